"""Demo data: one account per role and the province's reports since June 2021.

The reports reproduce the figures the province published on 17 March 2026, counted
by the rules of DESIGN.md (every state counts as received; hidden reports count in
no figure): 5,479 received, 4,890 resolved, all of them on time, 3,073 rated, of
which 1,871 satisfied, 474 acceptable and 728 unsatisfied.

`build()` plans every row from a fixed random seed without touching the database,
so two runs with the same as-of date plan identical rows; `load()` writes the plan
with bulk inserts and recounts the statistics. Only `seed_demo` calls `load()`.
"""

import bisect
import datetime
import math
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from cthainguyen import geo, roles
from cthainguyen.models import Agency, StaffProfile, User, Ward, search_text
from cthainguyen.text import nfc
from cthainguyen.workdays import due_date
from reports import stats
from reports.models import CODE_ALPHABET, Category, Event, Report

State = Report.State
Rating = Report.Rating

SEED = 20210601
LAUNCH = datetime.date(2021, 6, 1)
EARLIEST_AS_OF = datetime.date(2021, 8, 1)
DEMO_DOMAIN = "demo.cthainguyen.vn"
DEMO_PASSWORD = "demo-2026"


class DemoAccount(NamedTuple):
    key: str
    email: str
    password: str
    full_name: str
    role: str | None  # the staff group, None for the citizen
    agency: str | None  # short name of the officer's agency
    ward: str | None  # the official's commune, the citizen's home ward
    title: str


# One account per role, all with the same documented password and a verified email.
DEMO_ACCOUNTS = (
    DemoAccount(
        "citizen",
        f"citizen@{DEMO_DOMAIN}",
        DEMO_PASSWORD,
        "Nguyễn Thị Hoa",
        None,
        None,
        "Phường Phan Đình Phùng",
        "",
    ),
    DemoAccount(
        "officer",
        f"officer@{DEMO_DOMAIN}",
        DEMO_PASSWORD,
        "Trần Văn Minh",
        roles.AGENCY_OFFICER,
        "Sở Xây dựng",
        None,
        "Chuyên viên Phòng Quản lý hạ tầng kỹ thuật",
    ),
    DemoAccount(
        "commune",
        f"commune@{DEMO_DOMAIN}",
        DEMO_PASSWORD,
        "Lê Thị Thu Hằng",
        roles.COMMUNE_OFFICIAL,
        None,
        "Phường Phan Đình Phùng",
        "Công chức Địa chính – Xây dựng",
    ),
    DemoAccount(
        "admin",
        f"admin@{DEMO_DOMAIN}",
        DEMO_PASSWORD,
        "Phạm Quốc Khánh",
        roles.PROVINCE_ADMIN,
        None,
        None,
        "Trung tâm Giám sát, điều hành đô thị thông minh",
    ),
)

# The published figures of 17 March 2026 and how the 589 reports that are not
# resolved are spread over the other states.
FIGURES = {
    "received": 5479,
    "resolved": 4890,
    "resolved_on_time": 4890,
    "rated": 3073,
    "satisfied": 1871,
    "acceptable": 474,
    "unsatisfied": 728,
}
STATE_COUNTS = {
    State.NEW: 10,
    State.RECEIVED: 18,
    State.IN_PROGRESS: 30,
    State.RESOLVED: 4890,
    State.REJECTED: 375,
    State.DUPLICATE: 156,
}
# Open reports received long enough ago that they are certainly past their due date.
OVERDUE_OPEN = 10
# Extra reports hidden by moderation, which count in no figure.
HIDDEN_STATES = [State.NEW] * 4 + [State.REJECTED] * 4 + [State.RESOLVED] * 4
HIDDEN_RATINGS = [Rating.SATISFIED, Rating.UNSATISFIED]
CITIZEN_POOL = 320

assert sum(STATE_COUNTS.values()) == FIGURES["received"]
assert STATE_COUNTS[State.RESOLVED] == FIGURES["resolved"]
assert (
    sum(FIGURES[name] for name in ("satisfied", "acceptable", "unsatisfied"))
    == (FIGURES["rated"])
)


def _words(text):
    return [word.strip() for word in text.split(",")]


# -- Places -------------------------------------------------------------------------

CITY_WARDS = {
    "Phường Phan Đình Phùng": (21.5928, 105.8442),
    "Phường Linh Sơn": (21.6130, 105.8790),
    "Phường Tích Lương": (21.5560, 105.8500),
    "Phường Gia Sàng": (21.5780, 105.8600),
    "Phường Quyết Thắng": (21.5900, 105.8050),
    "Phường Quan Triều": (21.6280, 105.8150),
}

# (latitude, longitude, spread in degrees, wards): the wards by former district.
AREAS = [
    (21.555, 105.770, 0.015, "Xã Tân Cương"),
    (
        21.635,
        105.640,
        0.07,
        "Xã Đại Phúc, Xã Đại Từ, Xã Đức Lương, Xã Phú Thịnh, Xã La Bằng, Xã Phú Lạc, "
        "Xã An Khánh, Xã Quân Chu, Xã Vạn Phú, Xã Phú Xuyên",
    ),
    (
        21.430,
        105.860,
        0.04,
        "Phường Phổ Yên, Phường Vạn Xuân, Phường Trung Thành, Phường Phúc Thuận, "
        "Xã Thành Công",
    ),
    (
        21.480,
        105.980,
        0.05,
        "Xã Phú Bình, Xã Tân Thành, Xã Điềm Thụy, Xã Kha Sơn, Xã Tân Khánh",
    ),
    (
        21.680,
        105.950,
        0.06,
        "Xã Đồng Hỷ, Xã Quang Sơn, Xã Trại Cau, Xã Nam Hòa, Xã Văn Hán, Xã Văn Lăng",
    ),
    (21.480, 105.830, 0.025, "Phường Sông Công, Phường Bá Xuyên, Phường Bách Quang"),
    (21.760, 105.720, 0.05, "Xã Phú Lương, Xã Vô Tranh, Xã Yên Trạch, Xã Hợp Thành"),
    (
        21.910,
        105.630,
        0.07,
        "Xã Định Hóa, Xã Bình Yên, Xã Trung Hội, Xã Phượng Tiến, Xã Phú Đình, "
        "Xã Bình Thành, Xã Kim Phượng, Xã Lam Vỹ",
    ),
    (
        21.780,
        106.070,
        0.07,
        "Xã Võ Nhai, Xã Dân Tiến, Xã Nghinh Tường, Xã Thần Sa, Xã La Hiên, "
        "Xã Tràng Xá, Xã Sảng Mộc",
    ),
    (22.600, 105.680, 0.05, "Xã Bằng Thành, Xã Nghiên Loan, Xã Cao Minh"),
    (
        22.400,
        105.720,
        0.06,
        "Xã Ba Bể, Xã Chợ Rã, Xã Phúc Lộc, Xã Thượng Minh, Xã Đồng Phúc",
    ),
    (
        22.420,
        105.980,
        0.06,
        "Xã Bằng Vân, Xã Ngân Sơn, Xã Nà Phặc, Xã Hiệp Lực, Xã Thượng Quan",
    ),
    (
        22.180,
        105.580,
        0.07,
        "Xã Nam Cường, Xã Quảng Bạch, Xã Yên Thịnh, Xã Chợ Đồn, Xã Yên Phong, "
        "Xã Nghĩa Tá",
    ),
    (22.250, 105.850, 0.05, "Xã Phủ Thông, Xã Cẩm Giàng, Xã Vĩnh Thông, Xã Bạch Thông"),
    (22.150, 105.830, 0.02, "Phường Đức Xuân, Phường Bắc Kạn, Xã Phong Quang"),
    (
        22.180,
        106.100,
        0.07,
        "Xã Văn Lang, Xã Cường Lợi, Xã Na Rì, Xã Trần Phú, Xã Côn Minh, Xã Xuân Dương",
    ),
    (
        21.900,
        105.800,
        0.06,
        "Xã Tân Kỳ, Xã Thanh Mai, Xã Thanh Thịnh, Xã Chợ Mới, Xã Yên Bình",
    ),
]

# How many reports a ward sends, relative to a rural commune (1).
WARD_WEIGHTS = {
    "Phường Phan Đình Phùng": 12,
    "Phường Gia Sàng": 7,
    "Phường Quyết Thắng": 7,
    "Phường Tích Lương": 7,
    "Phường Linh Sơn": 6,
    "Phường Quan Triều": 6,
    "Phường Phổ Yên": 5,
    "Phường Sông Công": 5,
    "Phường Bắc Kạn": 4,
    "Xã Đại Từ": 1.8,
    "Xã Phú Bình": 1.8,
    "Xã Đồng Hỷ": 1.6,
    "Xã Phú Lương": 1.6,
    "Xã Định Hóa": 1.5,
    "Xã Tân Cương": 1.5,
    "Xã Võ Nhai": 1.3,
    "Xã Chợ Mới": 1.3,
    "Xã Chợ Đồn": 1.3,
    "Xã Chợ Rã": 1.3,
    "Xã Na Rì": 1.3,
}
PHUONG_WEIGHT = 3
XA_WEIGHT = 1

# Streets of Thái Nguyên city, of the other towns, and roads through the communes.
CITY_STREETS = _words(
    "Hoàng Văn Thụ, Lương Ngọc Quyến, Phan Đình Phùng, Quang Trung, Bến Tượng, "
    "Cách Mạng Tháng Tám, Minh Cầu, Túc Duyên, Đội Cấn, Hoàng Ngân, Nha Trang, "
    "Đồng Quang, Lương Thế Vinh, Dương Tự Minh, Bắc Sơn, Việt Bắc, Thống Nhất, "
    "Phùng Chí Kiên, Z115, Tân Thịnh"
)
TOWN_STREETS = _words(
    "Cách Mạng Tháng Tám, Thắng Lợi, Trường Chinh, Nguyễn Văn Cừ, Hùng Vương, "
    "Trần Hưng Đạo, Lý Nam Đế, Võ Nguyên Giáp"
)
ROADS = _words(
    "Quốc lộ 3, Quốc lộ 37, Quốc lộ 1B, Quốc lộ 3B, Quốc lộ 279, Tỉnh lộ 261, "
    "Tỉnh lộ 254, Tỉnh lộ 263, đường liên xã, đường liên xóm"
)
HAMLETS = _words(
    "Đồng Tâm, Làng Mới, Tân Lập, Đồng Bẩm, Na Hiên, Bản Cái, Khuôn Tát, Nà Kha, "
    "Bản Pắc, Pò Đon, Đồng Kem, Cây Thị, Làng Giếng, Xuân Hòa, Nà Mò, Bản Chang, "
    "Đồng Chùa, Thác Riềng"
)
LANDMARKS = _words(
    "cổng trường tiểu học, chợ, nhà văn hóa, trạm y tế, ngã ba, cây xăng, cổng chùa, "
    "trường mầm non, bến xe buýt"
)

# -- Words --------------------------------------------------------------------------

SURNAMES = [
    ("Nguyễn", 30), ("Trần", 8), ("Lê", 8), ("Phạm", 6), ("Hoàng", 6), ("Vũ", 4),
    ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Dương", 3), ("Hà", 3), ("Ngô", 2),
    ("Lương", 2), ("Ma", 2), ("Nông", 2), ("Triệu", 2), ("Đinh", 2), ("Lý", 1),
    ("Hứa", 1), ("Tạ", 1),
]  # fmt: skip
MALE_MIDDLE = _words("Văn, Đức, Minh, Quang, Hữu, Công, Thanh, Xuân, Văn")
FEMALE_MIDDLE = _words("Thị, Thu, Ngọc, Thanh, Hồng, Minh, Phương, Thị")
MALE_GIVEN = _words(
    "An, Bình, Cường, Dũng, Hải, Hùng, Hưng, Khánh, Long, Mạnh, Nam, Phong, Quân, "
    "Sơn, Thắng, Tuấn, Tùng, Việt, Vinh, Đạt, Hiếu, Kiên, Lâm, Thành, Trung"
)
FEMALE_GIVEN = _words(
    "Anh, Chi, Dung, Giang, Hà, Hằng, Hạnh, Hoa, Hương, Lan, Linh, Loan, Mai, Nga, "
    "Ngân, Nhung, Oanh, Phương, Quyên, Thảo, Trang, Tuyết, Vân, Yến, Huyền"
)
MOBILE_PREFIXES = _words("90, 91, 93, 94, 96, 97, 98")

# The category's share of reports, then its issues: (title, detail, what was done).
# {street} is a street or road, {place} a place in the ward.
ISSUES = {
    "ha-tang": (
        24,
        [
            (
                "Ổ gà lớn trên {street}",
                "Mặt đường bong tróc thành ổ gà sâu khoảng {depth} cm gần {landmark}, "
                "trời mưa đọng nước rất khó nhận biết.",
                "Đã vá ổ gà bằng bê tông nhựa, hoàn trả mặt đường.",
            ),
            (
                "Nắp hố ga bị vỡ trên {street}",
                "Nắp hố ga bê tông bị vỡ, để lộ miệng cống ngay sát lề đường, người "
                "đi bộ có thể bị sụt chân.",
                "Đã thay nắp hố ga mới và kiểm tra các hố ga lân cận.",
            ),
            (
                "Vỉa hè bị sụt lún tại {place}",
                "Một đoạn vỉa hè dài khoảng {length} m bị sụt lún, gạch lát vỡ vụn.",
                "Đã lát lại đoạn vỉa hè bị sụt lún.",
            ),
            (
                "Cống thoát nước bị tắc tại {place}",
                "Cống thoát nước bị rác và bùn đất lấp kín, mưa to là nước tràn lên "
                "mặt đường.",
                "Đã nạo vét cống, khơi thông dòng chảy.",
            ),
        ],
    ),
    "moi-truong": (
        18,
        [
            (
                "Rác thải tồn đọng nhiều ngày tại {place}",
                "Rác sinh hoạt không được thu gom, bốc mùi hôi, ruồi muỗi nhiều, gần "
                "{landmark}.",
                "Đơn vị thu gom đã dọn sạch điểm rác và bổ sung lịch thu gom.",
            ),
            (
                "Đốt rác gây khói bụi tại {place}",
                "Có người thường xuyên đốt rác, lá cây vào buổi tối, khói bay vào nhà "
                "dân xung quanh.",
                "Tổ công tác đã nhắc nhở, yêu cầu hộ dân chấm dứt việc đốt rác.",
            ),
            (
                "Nước thải chảy tràn ra {street}",
                "Nước thải từ một cơ sở kinh doanh chảy tràn ra lòng đường, có mùi "
                "hôi khó chịu.",
                "Đã yêu cầu cơ sở đấu nối nước thải vào hệ thống thoát nước chung và "
                "xử phạt theo quy định.",
            ),
            (
                "Bụi từ xe chở vật liệu trên {street}",
                "Xe chở đất, cát không che chắn làm rơi vãi vật liệu, bụi mù mịt cả "
                "đoạn đường.",
                "Đã phối hợp kiểm tra, xử lý xe vi phạm và phun nước rửa đường.",
            ),
        ],
    ),
    "an-ninh-trat-tu": (
        10,
        [
            (
                "Thanh niên tụ tập gây ồn về đêm tại {place}",
                "Nhiều tối liên tiếp có nhóm thanh niên tụ tập, nẹt pô, gây mất trật "
                "tự đến khuya.",
                "Công an đã tăng cường tuần tra, giải tán và nhắc nhở các đối tượng.",
            ),
            (
                "Hát karaoke gây ồn sau 22 giờ tại {place}",
                "Một hộ gia đình hát karaoke với âm lượng lớn đến sau 23 giờ.",
                "Công an đã làm việc, hộ gia đình cam kết không gây ồn sau 22 giờ.",
            ),
            (
                "Mất trộm xe máy nhiều lần tại {place}",
                "Khu vực gần {landmark} thường xuyên mất trộm xe máy vào ban đêm.",
                "Công an đã tăng cường tuần tra và hướng dẫn người dân cách phòng "
                "ngừa.",
            ),
        ],
    ),
    "giao-thong": (
        16,
        [
            (
                "Đèn tín hiệu giao thông không hoạt động trên {street}",
                "Đèn tín hiệu tại nút giao gần {landmark} bị tắt, xe cộ đi lại lộn "
                "xộn vào giờ cao điểm.",
                "Đã sửa tủ điều khiển, đèn tín hiệu hoạt động bình thường.",
            ),
            (
                "Biển báo giao thông bị che khuất trên {street}",
                "Cây xanh che khuất biển báo hạn chế tốc độ, lái xe khó quan sát.",
                "Đã cắt tỉa cây xanh, biển báo đã thông thoáng.",
            ),
            (
                "Xe tải đỗ chiếm lòng đường trên {street}",
                "Xe tải thường xuyên đỗ dưới lòng đường để bốc dỡ hàng, gây ùn tắc.",
                "Lực lượng chức năng đã kiểm tra, xử phạt phương tiện vi phạm.",
            ),
            (
                "Vạch sơn kẻ đường bị mờ trên {street}",
                "Vạch phân làn và vạch cho người đi bộ qua đường gần {landmark} đã mờ, "
                "không còn nhìn rõ.",
                "Đã sơn lại vạch kẻ đường.",
            ),
        ],
    ),
    "trat-tu-do-thi": (
        14,
        [
            (
                "Lấn chiếm vỉa hè để kinh doanh trên {street}",
                "Các hộ kinh doanh bày hàng, để xe kín vỉa hè, người đi bộ phải đi "
                "xuống lòng đường.",
                "Tổ trật tự đô thị đã yêu cầu các hộ thu dọn và cam kết không tái "
                "phạm.",
            ),
            (
                "Quảng cáo rao vặt dán trái phép tại {place}",
                "Tờ rơi quảng cáo dán chi chít lên cột điện, tường nhà.",
                "Đã bóc xóa quảng cáo, xác minh số điện thoại trên tờ rơi để xử lý.",
            ),
            (
                "Công trình để vật liệu ra lòng đường tại {place}",
                "Công trình xây nhà tập kết cát, gạch chiếm một nửa lòng đường.",
                "Đã lập biên bản, yêu cầu chủ công trình thu dọn vật liệu.",
            ),
        ],
    ),
    "dien-nuoc-chieu-sang": (
        12,
        [
            (
                "Đèn chiếu sáng công cộng không sáng trên {street}",
                "Cả dãy đèn đường không sáng nhiều đêm liền, đoạn đường tối om.",
                "Đã thay bộ đèn hỏng và sửa tủ điện chiếu sáng.",
            ),
            (
                "Mất nước sinh hoạt kéo dài tại {place}",
                "Khu dân cư bị mất nước liên tục mà không có thông báo trước.",
                "Đã sửa đoạn đường ống bị vỡ, cấp nước trở lại bình thường.",
            ),
            (
                "Dây điện võng thấp nguy hiểm tại {place}",
                "Dây điện, dây cáp viễn thông võng thấp ngang đầu người, xe tải đi "
                "qua dễ vướng.",
                "Đã căng lại dây điện và bó gọn cáp viễn thông.",
            ),
            (
                "Cột điện nghiêng có nguy cơ đổ tại {place}",
                "Cột điện gần {landmark} bị nghiêng sau trận mưa lớn.",
                "Đã dựng lại cột điện và gia cố móng.",
            ),
        ],
    ),
    "khac": (
        6,
        [
            (
                "Cây xanh có nguy cơ gãy đổ tại {place}",
                "Cây lâu năm bị mục gốc, cành lớn vươn ra giữa đường.",
                "Đã cắt tỉa cành khô và chằng chống cây.",
            ),
            (
                "Chó thả rông không rọ mõm tại {place}",
                "Nhiều chó thả rông trên đường, trẻ em đi học rất sợ.",
                "Đã nhắc nhở các hộ nuôi chó thực hiện đúng quy định.",
            ),
            (
                "Đề nghị lắp gờ giảm tốc tại {place}",
                "Đoạn đường trước {landmark} xe chạy rất nhanh, dễ xảy ra tai nạn.",
                "Đã khảo sát và lắp đặt gờ giảm tốc theo quy định.",
            ),
        ],
    ),
}
DURATIONS = [
    "Tình trạng này đã kéo dài khoảng {n} ngày.",
    "Sự việc xảy ra từ đầu tuần.",
    "Đã hơn {n} tuần nay vẫn chưa được khắc phục.",
    "Hiện tượng lặp lại nhiều lần trong tháng.",
]
IMPACTS = [
    "Ảnh hưởng lớn đến việc đi lại của người dân.",
    "Người dân trong khu vực rất bức xúc.",
    "Nhiều học sinh đi qua đây hằng ngày, rất nguy hiểm.",
    "Ảnh hưởng đến sinh hoạt của các hộ gia đình xung quanh.",
]
ASKS = [
    "Đề nghị cơ quan chức năng kiểm tra, xử lý.",
    "Kính đề nghị các cơ quan có thẩm quyền sớm khắc phục.",
    "Mong được xử lý sớm.",
]
SAME_AGAIN = [
    "Tôi cũng thấy tình trạng này.",
    "Phản ánh lại vì vẫn chưa thấy xử lý.",
    "Gia đình tôi ở gần đó, xin báo thêm.",
]
STARTED_NOTES = [
    "Đơn vị đã cử cán bộ kiểm tra hiện trường.",
    "Đã giao tổ kỹ thuật xử lý.",
    "Đang phối hợp với UBND phường, xã để xử lý.",
    "",
]
REJECTIONS = [
    "Nội dung là tranh chấp dân sự giữa các hộ gia đình, không thuộc phạm vi xử lý "
    "của hệ thống. Đề nghị công dân liên hệ UBND {ward} để được hòa giải.",
    "Phản ánh không có địa điểm cụ thể, hình ảnh không rõ, không đủ thông tin để "
    "xác minh. Đề nghị công dân gửi lại phản ánh với thông tin chi tiết hơn.",
    "Nội dung thuộc thẩm quyền của cơ quan Trung ương; đã hướng dẫn công dân gửi "
    "đến cơ quan có thẩm quyền.",
    "Vụ việc đang được giải quyết theo đơn khiếu nại tại cơ quan có thẩm quyền, "
    "không thụ lý trùng qua hệ thống phản ánh.",
    "Nội dung là góp ý chung, không phải phản ánh hiện trường. Ý kiến đã được ghi "
    "nhận và chuyển đến cơ quan liên quan.",
]
RATING_COMMENTS = {
    Rating.SATISFIED: [
        "Cảm ơn các cơ quan đã xử lý nhanh.",
        "Xử lý rất kịp thời, người dân rất hoan nghênh.",
        "Hài lòng với kết quả.",
    ],
    Rating.ACCEPTABLE: [
        "Đã xử lý nhưng còn chậm.",
        "Tạm ổn, mong duy trì thường xuyên.",
    ],
    Rating.UNSATISFIED: [
        "Chỉ xử lý tạm thời, vài hôm sau lại như cũ.",
        "Kết quả chưa đúng như phản hồi.",
        "Xử lý chưa triệt để.",
    ],
}
SPAM = [
    (
        "Cho vay tiền nhanh không cần thế chấp",
        "Hỗ trợ vay tiền trong ngày, lãi suất thấp, liên hệ Zalo để được tư vấn.",
    ),
    ("Bán sim số đẹp giá rẻ", "Sim số đẹp đủ các mạng, giao hàng tận nơi."),
    ("Nhận làm giấy tờ các loại", "Nhận làm bằng cấp, giấy tờ nhanh, bảo mật."),
]
SPAM_REASON = "Nội dung quảng cáo, không phải phản ánh hiện trường."
SPAM_NOTE = "Ẩn do kiểm duyệt: tin rác quảng cáo."
PERSONAL_DATA = (
    " Hộ gây ra là nhà ông {name}, số điện thoại {phone}, đề nghị xử phạt thật nặng."
)
PERSONAL_DATA_NOTE = "Ẩn do kiểm duyệt: nội dung nêu tên và số điện thoại người khác."


# -- The plan -----------------------------------------------------------------------


@dataclass
class CategorySpec:
    slug: str
    name: str
    due_days: int
    agency: str  # short name


@dataclass
class WardSpec:
    code: str
    name: str
    kind: str


@dataclass
class Citizen:
    email: str
    full_name: str
    phone: str | None
    ward: str  # code
    hides_name: bool
    activity: float
    date_joined: datetime.datetime | None = None


@dataclass
class PlannedEvent:
    kind: str
    at: datetime.datetime
    actor: str | None  # "reporter" or a DEMO_ACCOUNTS key
    public_note: str = ""
    internal_note: str = ""
    agency: str | None = None


@dataclass
class PlannedReport:
    submitted_at: datetime.datetime
    state: str = State.NEW
    is_hidden: bool = False
    code: str = ""
    submission_key: uuid.UUID | None = None
    reporter: object = None  # a Citizen index, or "citizen" for the demo account
    category: str = ""
    ward: str = ""
    title: str = ""
    description: str = ""
    address: str = ""
    latitude: Decimal = Decimal(0)
    longitude: Decimal = Decimal(0)
    hide_name: bool = False
    agency: str | None = None
    received_at: datetime.datetime | None = None
    due_at: datetime.datetime | None = None
    resolved_at: datetime.datetime | None = None
    response: str = ""
    rejection_reason: str = ""
    duplicate_of: int | None = None
    rating: str = ""
    rating_comment: str = ""
    rated_at: datetime.datetime | None = None
    events: list = field(default_factory=list)
    # Planning helpers, not stored: when work started or the report was closed as
    # rejected or duplicate, how much of the due time the work took, the issue.
    started_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    speed: float = 0.5
    issue: tuple = ()


@dataclass
class Plan:
    as_of: datetime.date
    cutoff: datetime.datetime
    citizens: list
    reports: list  # counted first, then hidden; chronological within each


def cutoff_for(as_of):
    """Every planned moment falls before midnight at the start of the as-of day."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(as_of, datetime.time(), tzinfo=zone).astimezone(
        datetime.UTC
    )


def build(as_of, categories, wards, taken_codes=()):
    """Plan the demo citizens and reports; the same arguments give the same plan."""
    if as_of < EARLIEST_AS_OF:
        raise ValueError(f"the as-of date must be {EARLIEST_AS_OF} or later")
    rng = random.Random(SEED)
    categories = {c.slug: c for c in categories}
    ward_list = sorted(wards, key=lambda w: w.code)
    wards = {w.code: w for w in ward_list}
    ward_codes = [w.code for w in ward_list]
    ward_weights = [_ward_weight(w) for w in ward_list]
    home = next(w.code for w in ward_list if w.name == _account("citizen").ward)

    citizens = _plan_citizens(rng, ward_codes, ward_weights)
    cutoff = cutoff_for(as_of)
    reports = [
        PlannedReport(submitted_at=moment)
        for moment in _submission_times(rng, as_of, cutoff, FIGURES["received"])
    ]
    _assign_states(rng, reports, cutoff)
    mine = _demo_citizen_reports(reports, cutoff)
    hidden = [
        PlannedReport(submitted_at=moment, state=state, is_hidden=True)
        for moment, state in zip(
            _submission_times(rng, as_of, cutoff, len(HIDDEN_STATES)),
            rng.sample(HIDDEN_STATES, len(HIDDEN_STATES)),
            strict=True,
        )
    ]
    reports.extend(hidden)

    by_ward = {}
    for index, citizen in enumerate(citizens):
        by_ward.setdefault(citizen.ward, []).append(index)
    category_slugs = [slug for slug in ISSUES if slug in categories]
    category_weights = [ISSUES[slug][0] for slug in category_slugs]
    officer_agency = _account("officer").agency
    handled_by_officer = [
        slug for slug in category_slugs if categories[slug].agency == officer_agency
    ] or category_slugs
    mine_categories = {
        i: handled_by_officer[n % len(handled_by_officer)] for n, i in enumerate(mine)
    }
    for index, report in enumerate(reports):
        if report.state == State.DUPLICATE:
            continue
        if index in mine_categories:
            category, ward, reporter = mine_categories[index], home, "citizen"
        else:
            category = rng.choices(category_slugs, category_weights)[0]
            ward = rng.choices(ward_codes, ward_weights)[0]
            reporter = _pick_reporter(rng, citizens, by_ward.get(ward, []))
        _fill_content(
            rng, report, categories[category], wards[ward], reporter, citizens
        )
        if report.is_hidden and report.state != State.RESOLVED:
            report.title, report.description = rng.choice(SPAM)
            if "khac" in categories:
                report.category = "khac"
        elif report.is_hidden:
            report.description += PERSONAL_DATA.format(
                name=_person_name(rng), phone="09" + str(rng.randrange(10**7, 10**8))
            )

    _plan_duplicates(rng, reports, citizens, mine, home)
    codes = set(taken_codes)
    for report in reports:
        report.code = _code(rng, codes)
        report.submission_key = uuid.UUID(int=rng.getrandbits(128), version=4)
    for report in reports:
        _plan_timeline(rng, report, categories, wards, cutoff)
    _plan_ratings(rng, reports, mine, cutoff)
    for report in reports:
        _plan_events(rng, report, reports, cutoff)
    _plan_join_dates(rng, citizens, reports)
    return Plan(as_of=as_of, cutoff=cutoff, citizens=citizens, reports=reports)


def _account(key):
    return next(account for account in DEMO_ACCOUNTS if account.key == key)


def _ward_weight(ward):
    if ward.name in WARD_WEIGHTS:
        return WARD_WEIGHTS[ward.name]
    return PHUONG_WEIGHT if ward.kind == "phuong" else XA_WEIGHT


def _person_name(rng, female=None):
    if female is None:
        female = rng.random() < 0.5
    surname = rng.choices([s for s, _ in SURNAMES], [w for _, w in SURNAMES])[0]
    middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
    given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    return f"{surname} {middle} {given}"


def _plan_citizens(rng, ward_codes, ward_weights):
    reserved = {"+84912345678", "+84987654321"}  # the test suite's personas
    phones = set()
    citizens = []
    for number in range(1, CITIZEN_POOL + 1):
        phone = None
        if rng.random() < 0.9:
            while phone is None or phone in phones or phone in reserved:
                phone = (
                    "+84" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
                )
            phones.add(phone)
        citizens.append(
            Citizen(
                email=f"nguoidan{number:03d}@{DEMO_DOMAIN}",
                full_name=_person_name(rng),
                phone=phone,
                ward=rng.choices(ward_codes, ward_weights)[0],
                hides_name=rng.random() < 0.15,
                activity=1 + 6 * rng.random() ** 3,
            )
        )
    return citizens


def _next_month(month):
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_starts(first, last):
    month = datetime.date(first.year, first.month, 1)
    while month <= last:
        yield month
        month = _next_month(month)


def _submission_times(rng, as_of, cutoff, count):
    """Spread `count` moments from the launch up to two hours before the cutoff.

    Months get reports in proportion to a weight that grows towards the as-of date
    (the app became better known) with a busier rainy season, and the counts are
    shared out exactly, so the curve is smooth rather than noisy.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    end = cutoff - datetime.timedelta(hours=2)
    months = list(_month_starts(LAUNCH, as_of))
    periods = []
    for i, month in enumerate(months):
        start = datetime.datetime.combine(month, datetime.time(), tzinfo=zone)
        following = datetime.datetime.combine(
            _next_month(month), datetime.time(), tzinfo=zone
        )
        stop = min(following, end)
        if stop <= start:
            continue
        progress = i / max(len(months) - 1, 1)
        season = 1.2 if month.month in (6, 7, 8, 9) else 1.0
        days = (stop - start).total_seconds() / 86400
        periods.append((start, stop, (1 + 4 * progress**2) * season * days))
    total_weight = sum(weight for _, _, weight in periods)
    shares = [count * weight / total_weight for _, _, weight in periods]
    counts = [math.floor(share) for share in shares]
    by_remainder = sorted(range(len(periods)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    hours = list(range(24))
    hour_weights = [0.2] * 6 + [1] + [3] * 5 + [2] * 2 + [3] * 4 + [2.5] * 4 + [1] * 2
    moments = []
    for (start, stop, _), n in zip(periods, counts, strict=True):
        days = (stop - start).days + 1
        for _ in range(n):
            while True:
                day = start + datetime.timedelta(days=rng.randrange(days))
                moment = day.replace(
                    hour=rng.choices(hours, hour_weights)[0],
                    minute=rng.randrange(60),
                    second=rng.randrange(60),
                )
                if start <= moment < stop:
                    break
            moments.append(moment.astimezone(datetime.UTC))
    moments.sort()
    return moments


def _weighted_sample(rng, items, weights, k):
    """Sample k items without replacement, each drawn in proportion to its weight."""
    keyed = sorted(
        ((rng.random() ** (1 / weight), i) for i, weight in enumerate(weights)),
        reverse=True,
    )
    return [items[i] for _, i in keyed[:k]]


def _assign_states(rng, reports, cutoff):
    """Give the counted reports their states, consistent with their age."""
    count = len(reports)
    newest = list(range(count - 1, -1, -1))
    new = rng.sample(newest[:14], STATE_COUNTS[State.NEW])
    taken = set(new)

    def age(i):
        return (cutoff - reports[i].submitted_at).days

    open_count = STATE_COUNTS[State.RECEIVED] + STATE_COUNTS[State.IN_PROGRESS]
    stale = [i for i in range(count) if 20 <= age(i) <= 75 and i not in taken]
    overdue = rng.sample(stale, min(OVERDUE_OPEN, len(stale)))
    taken.update(overdue)
    recent = [i for i in newest[:100] if i not in taken]
    fresh = _weighted_sample(
        rng,
        recent,
        [math.exp(-rank / 15) for rank in range(len(recent))],
        open_count - len(overdue),
    )
    opened = sorted(overdue + fresh)
    taken.update(fresh)
    in_progress = set(rng.sample(opened, STATE_COUNTS[State.IN_PROGRESS]))

    remaining = [i for i in range(count) if i not in taken]
    duplicates = set(rng.sample(remaining[100:], STATE_COUNTS[State.DUPLICATE]))
    rest = [i for i in remaining if i not in duplicates]
    rejected = set(rng.sample(rest, STATE_COUNTS[State.REJECTED]))

    for i in new:
        reports[i].state = State.NEW
    for i in opened:
        reports[i].state = State.IN_PROGRESS if i in in_progress else State.RECEIVED
    for i in remaining:
        if i in duplicates:
            reports[i].state = State.DUPLICATE
        elif i in rejected:
            reports[i].state = State.REJECTED
        else:
            reports[i].state = State.RESOLVED


def _demo_citizen_reports(reports, cutoff):
    """Choose the demo citizen's reports: one in each state, two resolved.

    Returns their indexes in order; the newest resolved one stays unrated (a
    browser test rates it) and one resolved at least two months earlier is rated.
    """

    def newest(state, min_age_days=0, max_age_days=10**6):
        for i in range(len(reports) - 1, -1, -1):
            age = (cutoff - reports[i].submitted_at).days
            if reports[i].state == state and min_age_days <= age <= max_age_days:
                return i
        return None

    chosen = [
        newest(State.NEW),
        newest(State.RECEIVED),
        newest(State.IN_PROGRESS, min_age_days=20),
        newest(State.RESOLVED),
        newest(State.RESOLVED, min_age_days=60),
        newest(State.REJECTED, min_age_days=10),
        newest(State.DUPLICATE, min_age_days=10),
    ]
    return sorted(i for i in chosen if i is not None)


def _pick_reporter(rng, citizens, neighbours):
    if neighbours and rng.random() < 0.65:
        pool = neighbours
    else:
        pool = range(len(citizens))
    pool = list(pool)
    return rng.choices(pool, [citizens[i].activity for i in pool])[0]


def _place(rng, ward):
    """Return (street, place, address) in the ward."""
    if ward.name in CITY_WARDS or ward.kind == "phuong":
        names = CITY_STREETS if ward.name in CITY_WARDS else TOWN_STREETS
        name = rng.choice(names)
        street = f"đường {name}"
        number = rng.randrange(2, 400)
        if rng.random() < 0.5:
            place = f"ngõ {rng.randrange(1, 120)} đường {name}"
        else:
            place = f"tổ dân phố {rng.randrange(1, 30)}"
        return street, place, f"{number} {name}"
    hamlet = rng.choice(HAMLETS)
    road = rng.choice(ROADS)
    return road, f"xóm {hamlet}", f"Xóm {hamlet}"


def _ward_centre(ward):
    if ward.name in CITY_WARDS:
        return CITY_WARDS[ward.name], 0.008
    for lat, lng, spread, names in AREAS:
        if ward.name in _words(names):
            local = random.Random(int(ward.code))
            return (
                lat + local.uniform(-spread, spread) * 0.7,
                lng + local.uniform(-spread, spread) * 0.7,
            ), 0.012
    lat, lng = geo.PROVINCE_CENTER
    local = random.Random(int(ward.code))
    return (
        float(lat) + local.uniform(-0.1, 0.1),
        float(lng) + local.uniform(-0.1, 0.1),
    ), 0.02


def _clamp(value, low, high, margin=Decimal("0.01")):
    return min(max(value, low + margin), high - margin)


def _coordinates(lat, lng):
    micro = Decimal("0.000001")
    lat = _clamp(
        Decimal(str(lat)).quantize(micro), geo.PROVINCE_SOUTH, geo.PROVINCE_NORTH
    )
    lng = _clamp(
        Decimal(str(lng)).quantize(micro), geo.PROVINCE_WEST, geo.PROVINCE_EAST
    )
    return lat, lng


def _fill_content(rng, report, category, ward, reporter, citizens):
    _, issues = ISSUES.get(category.slug, ISSUES["khac"])
    issue = rng.choice(issues)
    street, place, address = _place(rng, ward)
    values = {
        "street": street,
        "place": place,
        "landmark": rng.choice(LANDMARKS),
        "depth": rng.randrange(10, 40, 5),
        "length": rng.randrange(5, 40),
    }
    title = issue[0].format(**values)
    detail = issue[1].format(**values)
    detail = detail[0].upper() + detail[1:]
    sentences = [
        detail,
        rng.choice(DURATIONS).format(n=rng.randrange(2, 6)),
        rng.choice(IMPACTS),
        rng.choice(ASKS),
    ]
    (lat, lng), spread = _ward_centre(ward)
    report.category = category.slug
    report.ward = ward.code
    report.reporter = reporter
    report.title = nfc(title[0].upper() + title[1:])
    report.description = nfc(" ".join(sentences))
    report.address = nfc(address)
    report.latitude, report.longitude = _coordinates(
        lat + rng.gauss(0, spread), lng + rng.gauss(0, spread)
    )
    hides = citizens[reporter].hides_name if isinstance(reporter, int) else False
    report.hide_name = hides or rng.random() < 0.03
    report.issue = issue


def _plan_duplicates(rng, reports, citizens, mine, home):
    """Copy each duplicate from an earlier report that is resolved or open."""
    originals = [
        i
        for i, r in enumerate(reports)
        if not r.is_hidden and r.state in (State.RESOLVED, *Report.OPEN_STATES)
    ]
    moments = [reports[i].submitted_at for i in originals]  # in order
    for index, report in enumerate(reports):
        if report.state != State.DUPLICATE:
            continue
        stop = bisect.bisect_left(moments, report.submitted_at)
        start = bisect.bisect_left(
            moments, report.submitted_at - datetime.timedelta(days=30)
        )
        earlier = originals[start:stop]
        if not earlier:
            earlier = [i for i in originals if i < index][-5:]
        if index in mine:
            # The demo citizen's duplicate repeats a report from their own ward.
            earlier = [i for i in originals if i < index and reports[i].ward == home][
                -5:
            ] or earlier
        still_open = [i for i in earlier if reports[i].state in Report.OPEN_STATES]
        if still_open and rng.random() < 0.6:
            earlier = still_open  # sent again because nothing seems to happen
        source_index = rng.choice(earlier[-12:])
        source = reports[source_index]
        report.duplicate_of = source_index
        report.category = source.category
        report.ward = source.ward
        report.title = source.title
        report.address = source.address
        report.issue = source.issue
        report.description = nfc(
            rng.choice(SAME_AGAIN) + " " + source.description.split(". ")[0] + "."
        )
        jitter = Decimal("0.000001")
        report.latitude = _clamp(
            source.latitude + rng.randrange(-400, 400) * jitter,
            geo.PROVINCE_SOUTH,
            geo.PROVINCE_NORTH,
        )
        report.longitude = _clamp(
            source.longitude + rng.randrange(-400, 400) * jitter,
            geo.PROVINCE_WEST,
            geo.PROVINCE_EAST,
        )
        if index in mine and source.reporter != "citizen":
            report.reporter = "citizen"
            continue
        while True:
            reporter = _pick_reporter(rng, citizens, [])
            if reporter != source.reporter:
                break
        report.reporter = reporter
        report.hide_name = citizens[reporter].hides_name


def _code(rng, used):
    while True:
        code = "PA-" + "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
        if code not in used:
            used.add(code)
            return code


def _seconds(moment):
    return moment.replace(microsecond=0)


def _between(start, stop, fraction):
    return _seconds(start + (stop - start) * fraction)


def _plan_timeline(rng, report, categories, wards, cutoff):
    """Set the times and texts of each step, all before the cutoff."""
    category = categories[report.category]
    submitted = report.submitted_at
    room = cutoff - submitted
    triage = datetime.timedelta(hours=min(rng.lognormvariate(0.4, 0.9), 30))
    handled = _seconds(min(submitted + triage, submitted + room * 0.3))
    handled = max(handled, submitted + datetime.timedelta(minutes=5))
    received_first = {
        State.NEW: False,
        State.RECEIVED: True,
        State.IN_PROGRESS: True,
        State.RESOLVED: True,
        State.REJECTED: rng.random() < 0.3,
        State.DUPLICATE: rng.random() < 0.2,
    }[report.state]
    # The category's agency gets the report as it is sent, and triages it.
    report.agency = category.agency
    if received_first:
        report.received_at = handled
        report.due_at = due_date(handled, category.due_days)
    limit = min(report.due_at, cutoff) if report.due_at else cutoff
    report.speed = rng.betavariate(2, 3)
    if report.state == State.RESOLVED:
        report.resolved_at = _between(handled, limit, 0.03 + 0.94 * report.speed)
        report.started_at = _between(
            handled, report.resolved_at, rng.uniform(0.05, 0.5)
        )
        action = report.issue[2] if report.issue else ""
        ward = _in_sentence(wards[report.ward].name)
        report.response = nfc(
            f"{category.agency} đã phối hợp với UBND {ward} kiểm tra hiện trường. "
            f"{action} Cảm ơn công dân đã phản ánh."
        )
    elif report.state == State.IN_PROGRESS:
        report.started_at = _between(handled, limit, rng.uniform(0.1, 0.6))
    elif report.state in (State.REJECTED, State.DUPLICATE):
        report.closed_at = (
            _between(handled, limit, rng.uniform(0.05, 0.4))
            if received_first
            else handled
        )
        if report.state == State.REJECTED:
            reason = SPAM_REASON if report.is_hidden else rng.choice(REJECTIONS)
            report.rejection_reason = nfc(
                reason.format(ward=_in_sentence(wards[report.ward].name))
            )


def _in_sentence(ward_name):
    """Return 'phường Phan Đình Phùng' for 'Phường Phan Đình Phùng'."""
    return ward_name[0].lower() + ward_name[1:]


def _plan_ratings(rng, reports, mine, cutoff):
    """Rate 3,073 resolved reports: faster results tend to satisfy more."""
    mine_resolved = [i for i in mine if reports[i].state == State.RESOLVED]
    unrated_demo = max(mine_resolved, key=lambda i: reports[i].submitted_at)
    rated_demo = [i for i in mine_resolved if i != unrated_demo]
    candidates = [
        i
        for i, r in enumerate(reports)
        if r.state == State.RESOLVED and not r.is_hidden and i != unrated_demo
    ]
    others = [i for i in candidates if i not in rated_demo]
    rated = rated_demo + rng.sample(others, FIGURES["rated"] - len(rated_demo))
    ranked = sorted(rated, key=lambda i: (reports[i].speed + rng.gauss(0, 0.2), i))
    ratings = (
        [Rating.SATISFIED] * FIGURES["satisfied"]
        + [Rating.ACCEPTABLE] * FIGURES["acceptable"]
        + [Rating.UNSATISFIED] * FIGURES["unsatisfied"]
    )
    assigned = dict(zip(ranked, ratings, strict=True))
    for i in rated_demo:
        if assigned[i] != Rating.SATISFIED:
            swap = next(j for j in ranked if assigned[j] == Rating.SATISFIED)
            assigned[i], assigned[swap] = Rating.SATISFIED, assigned[i]
    hidden_resolved = [
        i for i, r in enumerate(reports) if r.is_hidden and r.state == State.RESOLVED
    ]
    for i, rating in zip(hidden_resolved, HIDDEN_RATINGS, strict=False):
        assigned[i] = rating
    for i in sorted(assigned):
        report = reports[i]
        report.rating = assigned[i]
        stop = min(report.resolved_at + datetime.timedelta(days=12), cutoff)
        report.rated_at = max(
            _between(report.resolved_at, stop, rng.uniform(0.02, 0.9)),
            report.resolved_at + datetime.timedelta(seconds=1),
        )
        if rng.random() < 0.35:
            report.rating_comment = rng.choice(RATING_COMMENTS[report.rating])


def _actor_for(agency):
    return "officer" if agency == _account("officer").agency else None


def _plan_events(rng, report, reports, cutoff):
    Kind = Event.Kind
    events = [PlannedEvent(Kind.SUBMITTED, report.submitted_at, "reporter")]
    handler = _actor_for(report.agency)
    if report.received_at:
        events.append(
            PlannedEvent(
                Kind.RECEIVED,
                report.received_at,
                handler,
                public_note=f"Phản ánh đã được tiếp nhận, giao {report.agency} xử lý.",
                agency=report.agency,
            )
        )
    started = report.started_at
    if started:
        events.append(
            PlannedEvent(
                Kind.STARTED,
                started,
                handler,
                public_note=rng.choice(STARTED_NOTES),
                agency=report.agency,
            )
        )
    if report.state == State.RESOLVED:
        events.append(
            PlannedEvent(
                Kind.RESOLVED,
                report.resolved_at,
                handler,
                public_note=report.response,
                agency=report.agency,
            )
        )
    elif report.state == State.REJECTED:
        events.append(
            PlannedEvent(
                Kind.REJECTED,
                report.closed_at,
                handler,
                public_note=report.rejection_reason,
                agency=report.agency,
            )
        )
    elif report.state == State.DUPLICATE:
        original = reports[report.duplicate_of]
        events.append(
            PlannedEvent(
                Kind.DUPLICATE,
                report.closed_at,
                handler,
                public_note=f"Trùng với phản ánh {original.code}.",
                agency=report.agency,
            )
        )
    if report.rating:
        events.append(PlannedEvent(Kind.RATED, report.rated_at, "reporter"))
    if report.is_hidden:
        spam = report.state != State.RESOLVED
        last = events[-1].at
        stop = min(last + datetime.timedelta(hours=10), cutoff)
        events.append(
            PlannedEvent(
                Kind.NOTE,
                max(_between(last, stop, rng.uniform(0.1, 0.9)), last),
                "admin",
                internal_note=SPAM_NOTE if spam else PERSONAL_DATA_NOTE,
            )
        )
    report.events = events


def _plan_join_dates(rng, citizens, reports):
    first = {}
    for report in reports:
        key = report.reporter
        if key not in first or report.submitted_at < first[key]:
            first[key] = report.submitted_at
    launch = datetime.datetime.combine(LAUNCH, datetime.time(8), tzinfo=datetime.UTC)
    for index, citizen in enumerate(citizens):
        before = first.get(index)
        if before is None:
            citizen.date_joined = _seconds(
                launch + datetime.timedelta(days=rng.uniform(0, 1200))
            )
        else:
            joined = before - datetime.timedelta(minutes=rng.uniform(5, 60 * 24 * 30))
            citizen.date_joined = _seconds(max(joined, min(launch, before)))


# -- Writing ------------------------------------------------------------------------


def demo_users():
    return User.objects.filter(email__endswith="@" + DEMO_DOMAIN)


def demo_reports():
    return Report.objects.filter(reporter__email__endswith="@" + DEMO_DOMAIN)


def remove():
    """Delete the demo reports and users, and nothing else; returns their numbers."""
    reports = demo_reports()
    counted = reports.count()
    with transaction.atomic():
        # Timelines first, in one statement, so the reports delete with less work.
        Event.objects.filter(report__in=reports).delete()
        reports.filter(duplicate_of__isnull=False).delete()
        reports.delete()
        users = demo_users().count()
        demo_users().delete()
        stats.rebuild()
    return counted, users


def specs():
    """Read the categories and wards the plan uses from the database."""
    fallback = Agency.objects.order_by("sort_key").first()
    categories = [
        CategorySpec(
            slug=c.slug,
            name=c.name,
            due_days=c.due_working_days,
            agency=str(c.default_agency or fallback),
        )
        for c in Category.objects.select_related("default_agency").order_by("slug")
    ]
    wards = [WardSpec(w.code, w.name, w.kind) for w in Ward.objects.order_by("code")]
    return categories, wards


@transaction.atomic
def load(as_of):
    """Write the demo accounts and reports for the as-of date; returns the plan."""
    categories, wards = specs()
    taken = set(Report.objects.values_list("code", flat=True))
    plan = build(as_of, categories, wards, taken_codes=taken)
    agencies = {str(a): a for a in Agency.objects.all()}
    agency_ids = {name: agency.pk for name, agency in agencies.items()}
    ward_rows = {w.code: w for w in Ward.objects.all()}
    category_rows = {c.slug: c for c in Category.objects.all()}

    accounts = _create_accounts(plan, agencies)
    unusable = make_password(None)
    citizens = User.objects.bulk_create(
        [
            User(
                email=c.email,
                full_name=c.full_name,
                phone=c.phone,
                home_ward_id=ward_rows[c.ward].pk,
                date_joined=c.date_joined,
                password=unusable,
            )
            for c in plan.citizens
        ],
        batch_size=500,
    )
    user_ids = {key: user.pk for key, user in accounts.items()}
    user_ids.update((index, user.pk) for index, user in enumerate(citizens))

    def row(report):
        category = category_rows[report.category]
        ward = ward_rows[report.ward]
        return Report(
            code=report.code,
            reporter_id=user_ids[report.reporter],
            submission_key=report.submission_key,
            category_id=category.pk,
            title=report.title,
            description=report.description,
            latitude=report.latitude,
            longitude=report.longitude,
            ward_id=ward.pk,
            address=report.address,
            hide_name=report.hide_name,
            state=report.state,
            agency_id=agency_ids.get(report.agency),
            submitted_at=report.submitted_at,
            received_at=report.received_at,
            due_at=report.due_at,
            resolved_at=report.resolved_at,
            response=report.response,
            rejection_reason=report.rejection_reason,
            rating=report.rating,
            rating_comment=report.rating_comment,
            rated_at=report.rated_at,
            is_hidden=report.is_hidden,
            # As reports.actions._refresh_search_text writes it.
            search_text=search_text(
                report.code,
                report.title,
                report.description,
                report.address,
                ward.name,
                category.name,
            ),
        )

    rows = [row(report) for report in plan.reports]
    pairs = list(zip(rows, plan.reports, strict=True))
    # Originals first, so that the duplicates can point to them.
    Report.objects.bulk_create(
        [r for r, p in pairs if p.duplicate_of is None], batch_size=500
    )
    for r, p in pairs:
        if p.duplicate_of is not None:
            r.duplicate_of_id = rows[p.duplicate_of].pk
    Report.objects.bulk_create(
        [r for r, p in pairs if p.duplicate_of is not None], batch_size=500
    )
    Event.objects.bulk_create(
        [
            Event(
                report_id=r.pk,
                kind=e.kind,
                actor_id=r.reporter_id
                if e.actor == "reporter"
                else user_ids.get(e.actor),
                created_at=e.at,
                public_note=e.public_note,
                internal_note=e.internal_note,
                agency_id=agency_ids.get(e.agency),
            )
            for r, p in pairs
            for e in p.events
        ],
        batch_size=1000,
    )
    stats.rebuild()
    return plan


def _create_accounts(plan, agencies):
    from allauth.account.models import EmailAddress

    password = make_password(DEMO_PASSWORD)
    joined = datetime.datetime.combine(LAUNCH, datetime.time(8), tzinfo=datetime.UTC)
    accounts = {}
    for account in DEMO_ACCOUNTS:
        ward = Ward.objects.get(name=account.ward) if account.ward else None
        user = User(
            email=account.email,
            full_name=account.full_name,
            is_staff=account.role is not None,
            home_ward=ward if account.role is None else None,
            date_joined=joined,
            password=password,
        )
        user.save()
        if account.role:
            user.groups.add(Group.objects.get(name=account.role))
            StaffProfile.objects.create(
                user=user,
                agency=agencies.get(account.agency) if account.agency else None,
                ward=ward if account.role == roles.COMMUNE_OFFICIAL else None,
                title=account.title,
            )
        EmailAddress.objects.create(
            user=user, email=account.email, verified=True, primary=True
        )
        accounts[account.key] = user
    return accounts
