"""Check digits against published valid and invalid numbers (our own copies of the
reference data's test numbers), and our generators against the validators."""

from __future__ import annotations

import random
import re

import pytest

from app.domain.enums import Carrier
from app.scanning import checksums
from app.scanning.classify import classify
from app.scanning.codes import rma_check_ok, rma_number
from app.scanning.tracking import make_tracking_number

UPS_VALID = ["1Z5R89390357567127", "1Z879E930346834440", "1Z410E7W0392751591",
             "1Z8V92A70367203024", "1ZXX3150YW44070023"]
UPS_INVALID = ["1Z1111111111111111"]
FEDEX12_VALID = ["986578788855", "477179081230", "799531274483", "790535312317", "974367662710"]
FEDEX12_INVALID = ["996578788855"]
USPS_IMPB_VALID = ["9400111206206406260787", "9400111201080805483016"]
USPS20_VALID = ["03071790000523483741", "71123456789123456787"]
DHL_VALID = ["3318810025", "73891051146", "8487135506"]
SSCC_VALID = ["000123450000000027"]


def _ups_ok(n: str) -> bool:
    return checksums.ups_check(n[2:17]) == int(n[17])


@pytest.mark.parametrize("number", UPS_VALID)
def test_ups_valid(number: str) -> None:
    assert _ups_ok(number)


@pytest.mark.parametrize("number", UPS_INVALID)
def test_ups_invalid(number: str) -> None:
    assert not _ups_ok(number)


@pytest.mark.parametrize("number", FEDEX12_VALID)
def test_fedex12_valid(number: str) -> None:
    assert checksums.fedex12_check(number[:11]) == int(number[11])


@pytest.mark.parametrize("number", FEDEX12_INVALID)
def test_fedex12_invalid(number: str) -> None:
    assert checksums.fedex12_check(number[:11]) != int(number[11])


@pytest.mark.parametrize("number", USPS_IMPB_VALID)
def test_usps_impb_valid(number: str) -> None:
    assert checksums.usps_impb_check(number[:-1]) == int(number[-1])
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert checksums.usps_impb_check(wrong[:-1]) != int(wrong[-1])


@pytest.mark.parametrize("number", USPS20_VALID)
def test_usps20_valid(number: str) -> None:
    assert checksums.usps20_check(number[:-1]) == int(number[-1])


@pytest.mark.parametrize("number", DHL_VALID)
def test_dhl_valid(number: str) -> None:
    assert checksums.dhl_express_check(number[:-1]) == int(number[-1])


@pytest.mark.parametrize("number", SSCC_VALID)
def test_sscc_gs1_check(number: str) -> None:
    assert checksums.gs1_mod10(number[:-1]) == int(number[-1])


@pytest.mark.parametrize("carrier", list(Carrier))
def test_generated_tracking_numbers_are_valid(carrier: Carrier) -> None:
    rng = random.Random(3)
    for _ in range(200):
        n = make_tracking_number(carrier, rng)
        if carrier is Carrier.UPS:
            assert re.fullmatch(r"1Z[A-Z0-9]{16}", n) and _ups_ok(n)
        elif carrier is Carrier.FEDEX:
            assert len(n) == 12 and checksums.fedex12_check(n[:11]) == int(n[11])
        elif carrier is Carrier.USPS:
            assert len(n) == 22 and n.startswith("94")
            assert checksums.usps_impb_check(n[:-1]) == int(n[-1])
        else:
            assert len(n) == 10 and checksums.dhl_express_check(n[:-1]) == int(n[-1])


def test_rma_numbers_carry_a_check_digit_that_catches_misreads() -> None:
    number = rma_number(2026, 123)
    assert re.fullmatch(r"RMA-2026-000123-\d", number)
    assert rma_check_ok(number)
    # Every single-digit substitution in the body is caught.
    body_positions = [i for i, ch in enumerate(number) if ch.isdigit()][:-1]
    for pos in body_positions:
        for digit in "0123456789":
            if digit == number[pos]:
                continue
            misread = number[:pos] + digit + number[pos + 1:]
            assert not rma_check_ok(misread), misread


def test_normalize_strips_symbology_ids_separators_and_spaces() -> None:
    assert classify("]C1 1z 5r89 3903 5756 7127\n").text == "1Z5R89390357567127"
    assert classify("420\x1d9400111206206406260787").text == "4209400111206206406260787"
    assert classify("  rma-2026-000123-4 ").text == "RMA-2026-000123-4"
