"""The claims of a signed code, shared by the issuer (services.py) and the verifier.

A code is prefix + base45(zlib(COSE_Sign1)) whose payload is a CWT claims map:
{1: iss, 4: exp, 6: iat, ...}. HC1 carries the DCC in claim -260 {1: hcert};
KB1 carries the certificate id in `cti` (7) and KhaiBao's claims in a private claim.
"""

import re

PREFIX_HC1 = "HC1:"
PREFIX_KB1 = "KB1:"
PREFIXES = (PREFIX_HC1, PREFIX_KB1)

CLAIM_ISS = 1
CLAIM_EXP = 4
CLAIM_IAT = 6
CLAIM_CTI = 7
CLAIM_HCERT = -260
HCERT_EU_DCC = 1
# A private-use claim key (below -65536, RFC 8392 / IANA CWT registry).
CLAIM_KHAIBAO = -70001

# KB1 claim names in the code (short: every byte makes the QR denser) and in the API.
KB1_KIND, KB1_SUBJECT, KB1_NAME, KB1_BIRTH_DATE = "k", "id", "n", "b"
KB1_LONG_NAMES = {KB1_NAME: "name", KB1_BIRTH_DATE: "birth_date"}
KB1_SHORT_NAMES = {long: short for short, long in KB1_LONG_NAMES.items()}
# Names the verifier adds to every answer: a claim must not shadow them.
KB1_ANSWER_NAMES = {"cert_id", "subject_id", "issuer", "issued_at", "expires_at", "hcert"}
KB1_RESERVED = {KB1_KIND, KB1_SUBJECT, KB1_NAME, KB1_BIRTH_DATE} | KB1_ANSWER_NAMES
KB1_KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_CLAIM_DEPTH = 6
MAX_CERT_ID = 128
