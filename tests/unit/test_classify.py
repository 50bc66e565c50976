"""Scan classification against published valid and invalid numbers (our own copies of the
reference data's test numbers), scanner noise, and numbers that fit several formats."""

from __future__ import annotations

import pytest

from app.scanning.classify import classify

VALID = {
    "ups": ["1Z5R89390357567127", "1Z879E930346834440", "1Z410E7W0392751591",
            "1Z8V92A70367203024", " 1 Z 8 V 9 2 A 7 0 3 6 7 2 0 3 0 2 4 ", "1ZXX3150YW44070023"],
    "fedex": ["986578788855", "477179081230", "799531274483", " 7 9 0 5 3 5 3 1 2 3 1 7 ",
              "1001921334250001000300779017972697", "1195266473930007521100871079919940",
              "1 1 9 52 6 64739 3000 75211 00 8710 799 199 40",
              "0414 4176 0228 964", "5682 8361 0012 000", "5682 8361 0012 734",
              "00 0123 4500 0000 0027", "9611020987654312345672",
              "9622001900000000000000776632517510", "9632001560123456789900794808390594"],
    "usps": ["0307 1790 0005 2348 3741", "7112 3456 7891 2345 6787",
             "420787459400111206206406260787", "9400111206206406260787",
             "9400 1112 0108 0805 4830 16", "9405803699300124287899",
             "4201002334249200190132607600833457", "4201028200009261290113185417468510",
             "9505 5110 6960 5048 6006 24", "92748931507708513018050063",
             "9361 2898 7870 0317 6337 95", "420 11213 92 6129098349792366623 8",
             "420902459261290336128704042634", "420 22153 9101026837331000039521",
             "9101 1234 5678 9000 0000 13", "7196 9010 7560 0307 7385"],
    "dhl": ["3318810025", "73891051146", "8487135506", "1099255990", "3821724944"],
}
INVALID = {
    "ups": ["1Z1111111111111111"],
    "fedex": ["996578788855", "1001901781990001000300617767839438", "5682 8361 0012 732",
              "9600000000000000000001", "9622001560001234567100794808390595"],
    "usps": ["0307 1790 0005 2348 3742", "9434611206206407667131",
             "4201028200009261290113185417468511", "9101 1234 5678 9000 0000 14"],
    "dhl": ["3318810010", "3318810034", "3318810011"],
}


@pytest.mark.parametrize("kind,number", [(k, n) for k, ns in VALID.items() for n in ns])
def test_published_valid_numbers_are_recognised(kind: str, number: str) -> None:
    result = classify(number)
    assert any(c.kind == kind and c.check_digit_ok for c in result.candidates), \
        result.candidates
    assert result.problem() is None


@pytest.mark.parametrize("kind,number", [(k, n) for k, ns in INVALID.items() for n in ns])
def test_published_invalid_numbers_never_match_as_that_carrier(kind: str, number: str) -> None:
    result = classify(number)
    assert not any(c.kind == kind and c.check_digit_ok for c in result.candidates)


def test_usps_routing_prefix_is_removed_and_zip_kept() -> None:
    result = classify("420787459400111206206406260787")
    usps = [c for c in result.valid if c.kind == "usps"]
    assert [(c.value, c.postal_code) for c in usps] == [("9400111206206406260787", "78745")]
    plus4 = classify("4201002334249200190132607600833457").valid
    assert ("9200190132607600833457", "100233424") in [(c.value, c.postal_code) for c in plus4]


def test_gs1_128_sscc_with_ship_to_postal_code_and_symbology_id() -> None:
    result = classify("]C100000123450000000027\x1d42090210")
    sscc = [c for c in result.valid if c.kind == "sscc"]
    assert [(c.value, c.postal_code) for c in sscc] == [("000123450000000027", "90210")]
    bad = classify("]C100000123450000000028\x1d42090210")
    assert not bad.valid and "check digit wrong" in (bad.problem() or "")


def test_a_number_fitting_several_formats_lists_every_candidate() -> None:
    result = classify("9611020987654312345672")  # FedEx Ground 96 and USPS-shaped
    assert {c.kind for c in result.candidates} == {"fedex", "usps"}
    assert [c.kind for c in result.valid] == ["fedex"]
    twenty = classify("00000123450000000027")  # AI 00 + SSCC, also 20 digits (USPS 20)
    assert {c.kind for c in twenty.candidates} >= {"sscc", "fedex", "usps"}


def test_our_codes_and_noise() -> None:
    assert classify("]Q3RMA-2026-000060-7\r\n").valid[0].kind == "rma"
    misread = classify("RMA-2026-000060-8")
    assert misread.problem() == "RMA-2026-000060-8: check digit wrong (ReturnBench RMA): " \
                                "misread, scan again."
    assert classify("kp-10005").valid[0].value == "KP-10005"
    assert "not a number we know" in (classify("HELLO").problem() or "")
    assert classify("   ").problem() == \
        "Nothing was scanned: scan the parcel's label or type a number."
