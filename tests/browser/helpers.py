"""Small steps the browser tests repeat: accessibility audits and screenshots."""

import io
import re

AXE_URL = "/static/vendor/axe-core/axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# axe runs from the site's own static files, which the CSP's script-src 'self'
# allows, so the audited page keeps its real policy.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def axe_violations(page):
    """Return the serious and critical accessibility violations on the page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        base = re.match(r"^https?://[^/]+", page.url).group(0)
        page.add_script_tag(url=base + AXE_URL)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING_IMPACTS]


class Audit:
    """Screenshots each step and gathers accessibility violations across pages."""

    def __init__(self, folder):
        self.folder = folder
        self.count = 0
        self.violations = []

    def shot(self, page, name, *, axe=True):
        self.count += 1
        page.screenshot(
            path=self.folder / f"{self.count:02d}-{name}.png", full_page=True
        )
        if axe:
            for violation in axe_violations(page):
                self.violations.append(
                    f"{name} ({page.url}): [{violation['impact']}] {violation['id']}: "
                    f"{violation['help']} at {violation['targets']}"
                )


def photo_with_gps(path, latitude, longitude, size=(1200, 900)):
    """Write a JPEG as a phone takes it, with the place in its EXIF GPS block."""
    from PIL import Image, ImageDraw

    def dms(value):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    image = Image.new("RGB", size, (120, 110, 95))
    draw = ImageDraw.Draw(image)
    draw.ellipse((400, 300, 800, 600), fill=(40, 35, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: dms(latitude), 3: "E", 4: dms(longitude)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path
