"""Make each photo's display image and thumbnail off the request, in a worker.

The request stores the checked upload as a private original and, once its
transaction commits, queues make_photo_derivatives. The task writes the clean
JPEGs, records them with a conditional update (so a second run, or two workers,
change nothing) and then deletes the original, which still carries the phone's
EXIF and GPS. derive_pending_photos, run by beat, catches what a broker outage
or a killed worker left behind.

Celery's autodiscovery imports only `tasks` modules: the worker must import this
one too (CELERY_IMPORTS or autodiscover_tasks(related_name="photo_tasks")).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from reports.models import Photo
from reports.photos import make_derivatives

logger = logging.getLogger(__name__)

# A photo younger than this may still have its task in the queue.
PENDING_GRACE = timedelta(minutes=2)
PENDING_BATCH = 200

# Queueing happens after the request's commit: with the broker down it must give
# up quickly, and beat's derive_pending_photos makes the photo later.
_QUEUE_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}


@shared_task(ignore_result=True)
def make_photo_derivatives(photo_id):
    """Make one photo's display image and thumbnail; harmless to run twice."""
    return derive_photo(photo_id)


@shared_task(ignore_result=True)
def derive_pending_photos(grace_seconds=None, limit=PENDING_BATCH):
    """Derive (or clean up after) photos that still have their original."""
    grace = PENDING_GRACE if grace_seconds is None else timedelta(seconds=grace_seconds)
    pending = (
        Photo.objects.exclude(original="")
        .filter(created_at__lte=timezone.now() - grace)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(derive_photo(photo_id) for photo_id in list(pending))


def queue_derivatives(photo_ids):
    """Queue the derivatives of freshly saved photos; never fail the caller."""
    for photo_id in photo_ids:
        try:
            make_photo_derivatives.apply_async(
                (photo_id,), retry=True, retry_policy=_QUEUE_RETRY_POLICY
            )
        except Exception:
            # The citizen was told the report is saved, and it is: beat's
            # derive_pending_photos will pick these photos up.
            logger.warning(
                "Could not queue the derivatives of photos %s; "
                "derive_pending_photos will make them",
                list(photo_ids),
                exc_info=True,
            )
            return


def derive_photo(photo_id):
    """Derive one photo's JPEGs; return True when this call made them."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        logger.info("Photo %s no longer exists: nothing to derive", photo_id)
        return False
    if photo.ready:
        # Made earlier; finish a run that stopped before deleting the original.
        _drop_original(photo)
        return False
    original = photo.original.name
    if not original:
        logger.warning("Photo %s has neither derivatives nor an original", photo_id)
        return False
    try:
        with photo.original.storage.open(original, "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        _give_up_on_missing_original(photo, original)
        return False
    except Exception:
        logger.exception("Photo %s: cannot read its original %s", photo_id, original)
        return False
    try:
        processed = make_derivatives(data)
    except ValidationError as error:
        # It passed the same checks in the request: a worker without HEIF
        # support, say. Keep the original so a fixed worker can try again.
        logger.error(
            "Photo %s: its original %s cannot be derived: %s",
            photo_id,
            original,
            "; ".join(error.messages),
        )
        return False
    if not _store_derivatives(photo, processed):
        return False
    _drop_original(photo)
    return True


def _store_derivatives(photo, processed):
    """Write the JPEGs and record them, unless another run got there first."""
    written = []
    try:
        photo.image.save("photo.jpg", ContentFile(processed.display), save=False)
        written.append(photo.image.name)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        written.append(photo.thumbnail.name)
        recorded = Photo.objects.filter(pk=photo.pk, image="").update(
            image=photo.image.name,
            thumbnail=photo.thumbnail.name,
            width=processed.width,
            height=processed.height,
        )
    except Exception:
        logger.exception("Photo %s: cannot store its derivatives", photo.pk)
        recorded = 0
    if not recorded:
        # Another run recorded its own files, the photo was deleted, or storing
        # failed: ours are orphans.
        storage = photo.image.storage
        for name in written:
            storage.delete(name)
    return bool(recorded)


def _drop_original(photo):
    """Delete the private original, then forget its name."""
    name = photo.original.name
    if not name:
        return
    try:
        photo.original.storage.delete(name)
    except Exception:
        # Still named on the row: derive_pending_photos deletes it later.
        logger.exception("Photo %s: cannot delete its original %s", photo.pk, name)
        return
    Photo.objects.filter(pk=photo.pk, original=name).update(original="")
    photo.original.name = ""


def _give_up_on_missing_original(photo, name):
    """Log once that a photo's original vanished, so beat stops retrying it."""
    forgotten = Photo.objects.filter(pk=photo.pk, image="", original=name).update(
        original=""
    )
    if forgotten:
        logger.error(
            "Photo %s of report %s cannot be derived: its original %s is missing",
            photo.pk,
            photo.report_id,
            name,
        )
