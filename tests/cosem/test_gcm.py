"""AES-128 block seam and AES-128-GCM: published vectors, tampering, round trips, real meter frames."""

import importlib.util
import json
import os
import sys

import pytest
from hypothesis import given, settings, strategies as st

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(ROOT, "src", "lib")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus")
if LIB not in sys.path:
    sys.path.insert(0, LIB)

from cosem import aes, gcm, keysetup, meterside  # noqa: E402

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # pinned in requirements-dev.txt

h = bytes.fromhex


# --- AES-128 (FIPS-197) -------------------------------------------------------

FIPS197 = [
    # (key, plaintext, ciphertext): Appendix C.1 and Appendix B
    ("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
     "69c4e0d86a7b0430d8cdb78070b4c55a"),
    ("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
     "3925841d02dc09fbdc118597196a0b32"),
]


@pytest.mark.parametrize("key,pt,ct", FIPS197)
def test_python_aes_matches_fips197(key, pt, ct):
    out = bytearray(16)
    aes._PyAes128(h(key)).encrypt_block_into(h(pt), out)
    assert out == h(ct)


def test_python_aes_encrypts_in_place():
    buf = bytearray(h(FIPS197[0][1]))
    aes._PyAes128(h(FIPS197[0][0])).encrypt_block_into(buf, buf)
    assert buf == h(FIPS197[0][2])


def test_aes_rejects_a_key_that_is_not_16_bytes():
    with pytest.raises(ValueError):
        aes.Aes128(bytes(24))


def test_sbox_is_the_fips197_table_at_known_points():
    # FIPS-197 Figure 7: S(00)=63, S(53)=ed, S(ff)=16; a permutation.
    sbox = keysetup.aes_tables()[0]
    assert (sbox[0x00], sbox[0x53], sbox[0xFF]) == (0x63, 0xED, 0x16)
    assert sorted(sbox) == list(range(256))


def test_python_aes_tables_wait_for_the_first_python_cipher():
    # a board with aesio never builds them; the first Python cipher does
    import importlib
    fresh = importlib.reload(aes)
    try:
        assert fresh._S is None
        fresh._PyAes128(bytes(16))
        assert fresh._S == keysetup.aes_tables()[0]
        assert "cosem.keysetup" not in sys.modules  # let go once the tables are made
    finally:
        importlib.reload(aes)


def test_gcm_reduction_table_is_r_times_x4_folded_into_the_top_limb():
    r_poly = 0xE1 << 120  # x^128 = x^7 + x^2 + x + 1, reflected
    for r in range(16):
        v = r
        for _ in range(4):
            v = (v >> 1) ^ r_poly if v & 1 else v >> 1
        assert v & ((1 << 112) - 1) == 0 and gcm._LAST4[r] == v >> 112, r


class _FakeAesio:
    """Stands in for CircuitPython's aesio: ECB only, 16-byte buffers, records use."""

    MODE_ECB = 1
    MODE_CBC = 2
    MODE_CTR = 6

    def __init__(self):
        self.blocks = 0
        fake = self

        class AES:
            def __init__(self, key, mode, IV=None, segment_size=8):
                assert mode == fake.MODE_ECB
                self._inner = aes._PyAes128(key)

            def encrypt_into(self, src, dest):
                if len(src) != 16 or len(dest) != 16:
                    raise ValueError("ECB buffers must be 16 bytes")
                fake.blocks += 1
                self._inner.encrypt_block_into(src, dest)

        self.AES = AES


def _load_aes_with(monkeypatch, fake):
    # A private copy of aes.py imported while `aesio` is importable.
    monkeypatch.setitem(sys.modules, "aesio", fake)
    monkeypatch.delitem(sys.modules, "cosem.aesnative", raising=False)
    spec = importlib.util.spec_from_file_location(
        "cosem.aes_native_probe", os.path.join(LIB, "cosem", "aes.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_aesio_is_used_when_it_imports(monkeypatch):
    fake = _FakeAesio()
    mod = _load_aes_with(monkeypatch, fake)
    key, pt, ct = FIPS197[0]
    cipher = mod.Aes128(h(key))
    assert cipher.native is True
    out = bytearray(16)
    cipher.encrypt_block_into(h(pt), out)
    assert out == h(ct)
    buf = bytearray(h(pt))
    cipher.encrypt_block_into(buf, buf)
    assert buf == h(ct)
    assert fake.blocks == 2


def test_python_aes_is_used_without_aesio():
    assert "aesio" not in sys.modules
    assert aes.Aes128 is aes._PyAes128


def test_gcm_over_aesio_gives_the_published_tag(monkeypatch):
    fake = _FakeAesio()
    mod = _load_aes_with(monkeypatch, fake)
    monkeypatch.setattr(gcm, "Aes128", mod.Aes128)
    key, pt, iv, aad, ct, tag = MCGREW_VIEGA[3]
    assert meterside.encrypt(h(key), h(iv), h(pt), h(aad), 16) == (h(ct), h(tag))
    assert fake.blocks == 6  # H, four keystream blocks, E(J0)


# --- GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", AES-128 cases 1-6 ---

K3 = "feffe9928665731c6d6a8f9467308308"
P3 = ("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
A4 = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

MCGREW_VIEGA = [
    # (key, plaintext, iv, aad, ciphertext, tag)
    ("00" * 16, "", "00" * 12, "", "", "58e2fccefa7e3061367f1d57a4e7455a"),
    ("00" * 16, "00" * 16, "00" * 12, "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"),
    (K3, P3, "cafebabefacedbaddecaf888", "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"),
    (K3, P3[:120], "cafebabefacedbaddecaf888", A4,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"),
    # cases 5 and 6: IVs that are not 96 bits (J0 comes from GHASH of the IV)
    (K3, P3[:120], "cafebabefacedbad", A4,
     "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c7423"
     "73806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
     "3612d2e79e3b0785561be14aaca2fccb"),
    (K3, P3[:120],
     "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
     "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b", A4,
     "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7"
     "01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
     "619cc5aefffe0bfa462af43c1699d050"),
]
CASE_IDS = ["case%d" % (i + 1) for i in range(len(MCGREW_VIEGA))]


@pytest.mark.parametrize("key,pt,iv,aad,ct,tag", MCGREW_VIEGA, ids=CASE_IDS)
def test_encrypt_matches_published_vector(key, pt, iv, aad, ct, tag):
    assert meterside.encrypt(h(key), h(iv), h(pt), h(aad), tag_len=16) == (h(ct), h(tag))


@pytest.mark.parametrize("key,pt,iv,aad,ct,tag", MCGREW_VIEGA, ids=CASE_IDS)
def test_decrypt_verifies_published_vector(key, pt, iv, aad, ct, tag):
    assert meterside.decrypt(h(key), h(iv), h(ct), h(aad), h(tag)) == h(pt)


@pytest.mark.parametrize("tag_len", [4, 8, 12, 13, 15])
@pytest.mark.parametrize("key,pt,iv,aad,ct,tag", MCGREW_VIEGA, ids=CASE_IDS)
def test_truncated_tag_is_the_leading_bytes_and_verifies(key, pt, iv, aad, ct, tag, tag_len):
    assert meterside.encrypt(h(key), h(iv), h(pt), h(aad), tag_len)[1] == h(tag)[:tag_len]
    assert meterside.decrypt(h(key), h(iv), h(ct), h(aad), h(tag)[:tag_len]) == h(pt)


def test_default_tag_length_is_dlms_twelve_bytes():
    key, pt, iv, aad, ct, tag = MCGREW_VIEGA[3]
    assert meterside.encrypt(h(key), h(iv), h(pt), h(aad))[1] == h(tag)[:12]


def test_decrypt_without_tag_is_plain_ctr():
    # Security control 0x20/0x21: no tag is sent, nothing is checked, AAD is irrelevant.
    key, pt, iv, aad, ct, tag = MCGREW_VIEGA[2]
    assert meterside.decrypt(h(key), h(iv), h(ct)) == h(pt)
    assert meterside.decrypt(h(key), h(iv), h(ct), b"ignored") == h(pt)


def test_empty_plaintext_tag_is_gmac():
    key, pt, iv, aad, ct, tag = MCGREW_VIEGA[0]
    assert meterside.tag_only(h(key), h(iv), b"", 16) == h(tag)


# --- GCM: tampering -------------------------------------------------------------

def _case4():
    key, pt, iv, aad, ct, tag = MCGREW_VIEGA[3]
    return h(key), h(iv), h(ct), h(aad), h(tag)[:12], h(pt)


def test_auth_error_is_a_value_error():
    assert issubclass(gcm.AuthError, ValueError)


def test_wrong_key_fails_authentication():
    key, iv, ct, aad, tag, _ = _case4()
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(bytes([key[0] ^ 1]) + key[1:], iv, ct, aad, tag)


@pytest.mark.parametrize("bit", [0, 7, 8 * 30 + 3, 8 * 59 + 7])
def test_flipped_ciphertext_bit_fails_authentication(bit):
    key, iv, ct, aad, tag, _ = _case4()
    bad = bytearray(ct)
    bad[bit >> 3] ^= 1 << (bit & 7)
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, iv, bytes(bad), aad, tag)


@pytest.mark.parametrize("bit", range(0, 96, 13))
def test_flipped_tag_bit_fails_authentication(bit):
    key, iv, ct, aad, tag, _ = _case4()
    bad = bytearray(tag)
    bad[bit >> 3] ^= 1 << (bit & 7)
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, iv, ct, aad, bytes(bad))


def test_flipped_aad_bit_fails_authentication():
    key, iv, ct, aad, tag, _ = _case4()
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, iv, ct, bytes([aad[0] ^ 0x80]) + aad[1:], tag)


def test_wrong_iv_fails_authentication():
    key, iv, ct, aad, tag, _ = _case4()
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, iv[:11] + bytes([iv[11] ^ 1]), ct, aad, tag)


@pytest.mark.parametrize("n", [0, 1, 3, 17])
def test_tag_shorter_than_four_or_longer_than_sixteen_is_refused(n):
    key, iv, ct, aad, tag, _ = _case4()
    with pytest.raises(ValueError):
        meterside.decrypt(key, iv, ct, aad, (tag * 2)[:n])
    with pytest.raises(ValueError):
        meterside.encrypt(key, iv, b"x", aad, n)


def test_empty_iv_is_refused():
    with pytest.raises(ValueError):
        meterside.encrypt(bytes(16), b"", b"x")


# --- GCM: round trips -----------------------------------------------------------

keys = st.binary(min_size=16, max_size=16)
ivs = st.binary(min_size=12, max_size=12)


@settings(max_examples=60, deadline=None)
@given(keys, ivs, st.binary(max_size=300), st.binary(max_size=40), st.integers(4, 16))
def test_encrypt_then_decrypt_returns_the_plaintext(key, iv, pt, aad, tag_len):
    ct, tag = meterside.encrypt(key, iv, pt, aad, tag_len)
    assert len(ct) == len(pt) and len(tag) == tag_len
    assert meterside.decrypt(key, iv, ct, aad, tag) == pt


@settings(max_examples=40, deadline=None)
@given(keys, ivs, st.binary(min_size=1, max_size=100), st.data())
def test_any_altered_ciphertext_byte_is_detected(key, iv, pt, data):
    ct, tag = meterside.encrypt(key, iv, pt)
    i = data.draw(st.integers(0, len(ct) - 1))
    x = data.draw(st.integers(1, 255))
    bad = bytearray(ct)
    bad[i] ^= x
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, iv, bytes(bad), b"", tag)


@settings(max_examples=30, deadline=None)
@given(keys, ivs, st.binary(max_size=200))
def test_one_gcm_object_serves_many_frames(key, iv, pt):
    g = meterside.Gcm(key)
    ct1, tag1 = g.encrypt(iv, pt, b"\x30")
    ct2, tag2 = g.encrypt(iv, pt, b"\x30")
    assert (ct1, tag1) == (ct2, tag2) == meterside.encrypt(key, iv, pt, b"\x30")
    assert g.decrypt(iv, memoryview(ct1), memoryview(b"\x30"), tag1) == pt


@settings(max_examples=80, deadline=None)
@given(keys, st.binary(min_size=1, max_size=64), st.binary(max_size=300), st.binary(max_size=64))
def test_agrees_with_the_cryptography_package(key, iv, pt, aad):
    if len(iv) < 8:  # cryptography refuses nonces under 8 bytes
        iv = iv + bytes(8 - len(iv))
    ref = AESGCM(key).encrypt(iv, pt, aad)
    ct, tag = meterside.encrypt(key, iv, pt, aad, 16)
    assert ct + tag == ref


@settings(max_examples=30, deadline=None)
@given(keys, ivs, st.binary(max_size=200), st.binary(max_size=40))
def test_decrypts_what_the_cryptography_package_encrypts(key, iv, pt, aad):
    ref = AESGCM(key).encrypt(iv, pt, aad)
    assert meterside.decrypt(key, iv, ref[:-16], aad, ref[-16:-4]) == pt


# --- DLMS security control 0x10: authentication only (GMAC) -----------------------

def test_authentication_only_tag_covers_sc_ak_and_plaintext():
    key = h("000102030405060708090a0b0c0d0e0f")
    ak = h("d0d1d2d3d4d5d6d7d8d9dadbdcdddedf")
    iv = h("4d4d4d0000bc614e") + h("01234567")
    apdu = h("0f0000000100090c07e9010101000000ff800000")
    tag = meterside.tag_only(key, iv, b"\x10" + ak + apdu)
    assert len(tag) == 12
    meterside.verify_tag_only(key, iv, b"\x10" + ak + apdu, tag)
    altered = apdu[:-1] + b"\x01"
    with pytest.raises(gcm.AuthError):
        meterside.verify_tag_only(key, iv, b"\x10" + ak + altered, tag)
    with pytest.raises(gcm.AuthError):
        meterside.verify_tag_only(key, iv, b"\x10" + bytes(16) + apdu, tag)
    assert AESGCM(key).encrypt(iv, b"", b"\x10" + ak + apdu)[:12] == tag


# --- real meter captures --------------------------------------------------------

def _corpus(name):
    with open(os.path.join(CORPUS, name + ".hex")) as f:
        raw = h(f.read().strip())
    with open(os.path.join(CORPUS, name + ".expected.json")) as f:
        return raw, json.load(f)


def _glo_ciphering(apdu):
    """Split a general-glo-ciphering APDU: DB 08 <system title> <A-XDR length> SC FC(4) rest."""
    assert apdu[0] == 0xDB and apdu[1] == 8
    title = apdu[2:10]
    n = apdu[10]
    i = 11
    if n & 0x80:  # long form: 0x81 / 0x82 then that many length bytes
        k = n & 0x7F
        n = int.from_bytes(apdu[11:11 + k], "big")
        i += k
    body = apdu[i:i + n]
    assert len(body) == n
    return title, body[0], body[1:5], body[5:]


def _hdlc_apdu(frame):
    # One HDLC frame: LLC e6 e7 00 precedes the APDU; FCS (2) and the closing flag follow it.
    i = frame.index(b"\xe6\xe7\x00") + 3
    return frame[i:-3]


def test_dlmscosem_vector_decrypts_to_data_notification():
    raw, exp = _corpus("apdu-unknown-gcm-dlmscosem-1")
    title, sc, fc, rest = _glo_ciphering(raw)
    assert sc == 0x30 and title == h(exp["dlms"]["encryption"]["system_title"])
    key, ak = h(exp["key"]), h(exp["auth_key"])
    ct, tag = rest[:-12], rest[-12:]
    assert tag == h(exp["dlms"]["encryption"]["gcm_tag"])
    pt = meterside.decrypt(key, title + fc, ct, bytes([sc]) + ak, tag)
    assert pt[0] == 0x0F
    assert pt == h(exp["dlms"]["plaintext_apdu_hex"])


def test_dlmscosem_vector_with_wrong_auth_key_fails():
    raw, exp = _corpus("apdu-unknown-gcm-dlmscosem-1")
    title, sc, fc, rest = _glo_ciphering(raw)
    wrong_ak = bytes(16)
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(h(exp["key"]), title + fc, rest[:-12], bytes([sc]) + wrong_ak, rest[-12:])


@pytest.mark.parametrize("name", ["hdlc-landisgyr-e450-at-enc-1", "hdlc-landisgyr-e450-at-enc-2"])
def test_landisgyr_e450_frame_decrypts_and_verifies(name):
    raw, exp = _corpus(name)
    title, sc, fc, rest = _glo_ciphering(_hdlc_apdu(raw))
    assert sc == 0x30
    assert fc == h(exp["dlms"]["encryption"]["frame_counter"])
    key, ak = h(exp["key"]), h(exp["auth_key"])
    aad = bytes([sc]) + ak
    pt = meterside.decrypt(key, title + fc, rest[:-12], aad, rest[-12:])
    assert pt == h(exp["dlms"]["plaintext_apdu_hex"])
    with pytest.raises(gcm.AuthError):
        meterside.decrypt(key, title + fc, rest[:-12], bytes([sc]) + key, rest[-12:])


@pytest.mark.parametrize("name", [
    "hdlc-siemens-im350-at-wienernetze-enc-1",
    "hdlc-siemens-im350-at-wels-enc-1",
    "hdlc-iskra-am550-at-kelag-enc-1",
])
def test_encryption_only_frame_decrypts_without_tag(name):
    raw, exp = _corpus(name)
    title, sc, fc, rest = _glo_ciphering(_hdlc_apdu(raw))
    assert sc == 0x20
    pt = meterside.decrypt(h(exp["key"]), title + fc, rest)
    assert pt == h(exp["dlms"]["plaintext_apdu_hex"])


def test_verify_is_the_authentication_only_check_dlms_calls():
    key, iv = bytes(16), bytes(12)
    tag = meterside.tag_only(key, iv, b"\x10abc")
    meterside.verify(key, iv, b"\x10abc", tag)
    with pytest.raises(gcm.AuthError):
        meterside.verify(key, iv, b"\x10abd", tag)


def test_a_bad_key_is_refused_and_the_key_code_let_go_all_the_same():
    from cosem import Decoder
    for bad in ("00112233", "zz" * 16, b"short"):
        with pytest.raises(ValueError):
            Decoder(key=bad)
        assert "cosem.keysetup" not in sys.modules, bad
    with pytest.raises(ValueError):
        aes._PyAes128(b"short")
    assert "cosem.keysetup" not in sys.modules
