"""Phone numbers, stored in E.164 and read the way Vietnamese people write them."""

import phonenumbers


def normalize_phone(raw):
    """Return the number in E.164 (+84...), or raise ValueError."""
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
