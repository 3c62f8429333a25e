"""Reference data that every installation starts with."""

from vietnam_provinces import Province
from vietnam_provinces import Ward as SourceWard

PROVINCE_NAME = "Thái Nguyên"


def province_wards():
    """Return (code, name, kind) for every ward and commune of the province."""
    province = next(p for p in Province.iter_all() if p.name == PROVINCE_NAME)
    rows = []
    for ward in SourceWard.iter_all():
        if ward.province_code != province.code:
            continue
        kind = "phuong" if ward.division_type.value == "phường" else "xa"
        rows.append((f"{int(ward.code):05d}", ward.name, kind))
    return rows


def load_wards(ward_model):
    """Create or update the province's wards; running it again changes nothing."""
    from cthainguyen.models import collation_key
    from cthainguyen.text import nfc

    created = 0
    for code, name, kind in province_wards():
        name = nfc(name)
        _, was_created = ward_model.objects.update_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "sort_key": collation_key(name)},
        )
        created += was_created
    return created


# (name, short name) of the agencies that handle reports by default.
AGENCIES = [
    ("Sở Xây dựng tỉnh Thái Nguyên", "Sở Xây dựng"),
    ("Sở Nông nghiệp và Môi trường tỉnh Thái Nguyên", "Sở NN&MT"),
    ("Công an tỉnh Thái Nguyên", "Công an tỉnh"),
    ("Công ty Điện lực Thái Nguyên", "Điện lực Thái Nguyên"),
    (
        "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Thái Nguyên",
        "Trung tâm IOC",
    ),
]

# (slug, name, default agency's short name, due time in working days)
CATEGORIES = [
    ("ha-tang", "Hạ tầng", "Sở Xây dựng", 5),
    ("moi-truong", "Môi trường", "Sở NN&MT", 5),
    ("an-ninh-trat-tu", "An ninh trật tự", "Công an tỉnh", 3),
    ("giao-thong", "Giao thông", "Sở Xây dựng", 3),
    ("trat-tu-do-thi", "Trật tự đô thị", "Trung tâm IOC", 5),
    ("dien-nuoc-chieu-sang", "Điện, nước, chiếu sáng", "Điện lực Thái Nguyên", 3),
    ("khac", "Khác", "Trung tâm IOC", 7),
]
