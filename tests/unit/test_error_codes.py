"""One table of error codes (``cloudca.error_codes``): the server raises them, the SDK knows them all."""

from __future__ import annotations

import pytest

from cloudca import error_codes
from cloudca.client import _exceptions as sdk
from cloudca.server import errors


def _server_classes(base: type[errors.ServiceError]) -> list[type[errors.ServiceError]]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_server_classes(cls)]
    return found


@pytest.mark.parametrize("entry", error_codes.ERROR_CODES, ids=lambda entry: entry.error_code)
def test_every_code_has_an_sdk_exception(entry: error_codes.ErrorCode) -> None:
    error = sdk.api_error_for(entry.status, [{"code": entry.code, "errorCode": entry.error_code}])
    assert type(error) is sdk.BY_ERROR_CODE[entry.error_code]
    assert error.code == entry.code
    assert error.error_code == entry.error_code


def test_the_sdk_knows_no_code_the_table_lacks() -> None:
    assert set(sdk.BY_ERROR_CODE) == set(error_codes.BY_ERROR_CODE)


@pytest.mark.parametrize("cls", _server_classes(errors.ServiceError), ids=lambda cls: cls.__name__)
def test_every_server_error_carries_a_code_of_the_table(cls: type[errors.ServiceError]) -> None:
    entry = error_codes.BY_ERROR_CODE[cls.error_code]
    assert cls.code == entry.code


def test_every_code_of_the_table_is_raised_by_a_server_error() -> None:
    raised = {cls.error_code for cls in _server_classes(errors.ServiceError)}
    assert raised == set(error_codes.BY_ERROR_CODE)


def test_codes_and_names_are_unique() -> None:
    assert len({entry.code for entry in error_codes.ERROR_CODES}) == len(error_codes.ERROR_CODES)
    assert len(error_codes.BY_ERROR_CODE) == len(error_codes.ERROR_CODES)
