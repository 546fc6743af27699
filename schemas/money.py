"""Money in the contract: ISO 4217 currency codes and exact amounts (decimal, never float)."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

# ISO 4217 active currency codes (the 2025 list), without the fund, metal, test and "no currency"
# codes (X.. except the CFA francs, the East Caribbean dollar and the CFP franc): a deal is never
# priced in gold or in a testing code.
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST
XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
""".split())
AMOUNT_DIGITS, AMOUNT_PLACES = 18, 4  # up to 10^14 with four decimals: every real deal, exactly


def check_currency(value: str) -> str:
    """`value` if it is an ISO 4217 code (upper case), else ValueError naming the rule."""
    if value not in ISO_4217:
        raise ValueError(f"{value[:20]!r} is not an ISO 4217 currency code (three capital letters, e.g. EUR, USD)")
    return value


CurrencyCode = Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"]),
                         AfterValidator(check_currency)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES,
                                  allow_inf_nan=False, examples=["12500.00"])]

__all__ = ["AMOUNT_DIGITS", "AMOUNT_PLACES", "ISO_4217", "Amount", "CurrencyCode", "check_currency"]
