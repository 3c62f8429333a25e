"""Static files collect under the production storage, as `make run` does."""

from django.core.management import call_command


def test_collectstatic_with_hashed_names_finds_every_referenced_file(
    settings, tmp_path
):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert "js/maps.js" in manifest
