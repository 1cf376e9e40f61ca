#!/usr/bin/python3
"""Writes the pydicom-made part of the PlaoImaging interop corpus (see TestCorpus.cs).

usage: /usr/bin/python3 make_python_files.py OUTDIR

Two kinds of files:
  * pydicom-*.dcm  written through pydicom's own writer (every VR incl. SV/UV/OV, undefined-length sequences and
                   items, private blocks, implicit VR, explicit VR big endian, no File Meta Information);
  * raw-*.dcm      a small pydicom-written head followed by data elements encoded here byte by byte, for encodings
                   pydicom will not produce on its own: string values with leading/trailing spaces, NULs and empty
                   multi-values, odd lengths, a UN of undefined length (CP-246), and text in the ISO 2022 code
                   extensions (JIS X 0208/0212/0201, KS X 1001, GB 2312) with escape sequences reset at every
                   delimiter as PS3.5 6.1.2.5.3 requires.
Every file name written here is listed in TestCorpus.cs; keep the two in step.
"""
import os
import struct
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

OUT = sys.argv[1]
SC = '1.2.840.10008.5.1.4.1.1.7'
ROOT = '1.2.826.0.1.3680043.10.1234.9.'
_uid = [0]


def uid():
    _uid[0] += 1
    return ROOT + str(_uid[0])


def save(ds, name, ts, implicit, little, meta=True):
    ds.is_implicit_VR = implicit
    ds.is_little_endian = little
    if meta:
        fm = FileMetaDataset()
        fm.MediaStorageSOPClassUID = ds.SOPClassUID
        fm.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        fm.TransferSyntaxUID = ts
        fm.ImplementationClassUID = ROOT + '0'
        ds.file_meta = fm
        ds.preamble = b'\0' * 128
        ds.save_as(os.path.join(OUT, name), write_like_original=False)
    else:
        ds.save_as(os.path.join(OUT, name), write_like_original=True)


def undefined(seq_elem):
    seq_elem.is_undefined_length = True
    for item in seq_elem.value:
        item.is_undefined_length_sequence_item = True
    return seq_elem


def base(name):
    ds = Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = uid()
    ds.StudyInstanceUID = uid()
    ds.SeriesInstanceUID = uid()
    ds.Modality = 'OT'
    ds.PatientID = name
    return ds


def all_vrs():
    ds = base('pydicom-all-vrs')
    ds.add_new(0x00080008, 'CS', ['DERIVED', 'SECONDARY', ''])
    ds.add_new(0x00080020, 'DA', '20231231')
    ds.add_new(0x00080030, 'TM', '235959.123')
    ds.add_new(0x0008002A, 'DT', '20231231235959.000001-0500')
    ds.add_new(0x00080054, 'AE', ['AE1', 'AE2'])
    ds.add_new(0x00080070, 'LO', ['Maker', '', 'Third'])
    ds.add_new(0x00080081, 'ST', 'Short\\text')
    ds.add_new(0x00080090, 'PN', 'Last^First^Middle^Pre^Suf')
    ds.add_new(0x00080119, 'UC', ['unlimited characters', 'two'])
    ds.add_new(0x00080120, 'UR', 'urn:oid:1.2.3')
    ds.add_new(0x00081010, 'SH', 'SHORT')
    ds.add_new(0x00081048, 'PN', ['A^B', '', 'C^D=E^F'])
    ds.add_new(0x00100010, 'PN', 'Py^Dicom')
    ds.add_new(0x00101010, 'AS', '012M')
    ds.add_new(0x00101030, 'DS', ['70.25', '-1e-05', '0.0'])
    ds.add_new(0x00104000, 'LT', 'Long\\text with a backslash')
    ds.add_new(0x0018605A, 'FL', [1.5, -0.1, 3.4028234663852886e38])
    ds.add_new(0x00189087, 'FD', [0.1, -2.2250738585072014e-308, 1e308])
    ds.add_new(0x00186020, 'SL', [-7, 2147483647])
    ds.add_new(0x00189219, 'SS', [-1, 32767])
    ds.add_new(0x00200013, 'IS', ['42', '-7'])
    ds.add_new(0x00209165, 'AT', [0x00100010, 0x7FE00010])
    ds.add_new(0x00209157, 'UL', [0, 4294967295])
    ds.add_new(0x00280010, 'US', 2)
    ds.add_new(0x00280011, 'US', 2)
    ds.add_new(0x00280100, 'US', 16)
    ds.add_new(0x00280103, 'US', 0)
    ds.add_new(0x00280106, 'US', 7)
    ds.add_new(0x00660016, 'OF', struct.pack('<3f', 1.0, -2.5, 0.125))
    ds.add_new(0x00660022, 'OD', struct.pack('<2d', 1.0, -2.5))
    ds.add_new(0x00660040, 'OL', struct.pack('<3I', 1, 2, 0xFFFFFFFF))
    ds.add_new(0x00720081, 'OV', struct.pack('<2Q', 1, 0xFFFFFFFFFFFFFFFF))
    ds.add_new(0x00720082, 'SV', [-9223372036854775808, 9007199254740993, -5])
    ds.add_new(0x00720083, 'UV', [18446744073709551615, 9007199254740992, 5])
    ds.add_new(0x0072006D, 'UN', b'\x01\x02\x03\x04')
    ds.add_new(0x00720085, 'UT', 'unlimited text')
    ds.add_new(0x00091010, 'OB', b'\x00\x01\x02')  # odd length; pydicom pads it
    # private block with its creator, and a private sequence
    block = ds.private_block(0x0029, 'PLAO PYDICOM', create=True)
    block.add_new(0x01, 'LO', 'private')
    block.add_new(0x02, 'FD', [1.25, 2.5])
    inner = Dataset()
    inner.add_new(0x00080100, 'SH', 'CODE')
    block.add_new(0x03, 'SQ', Sequence([inner]))
    # sequences nested five deep, undefined lengths throughout
    leaf = Dataset()
    leaf.add_new(0x0040A160, 'UT', 'depth five')
    leaf.add_new(0x0040A30A, 'DS', ['1.5', '2'])
    level = leaf
    for depth in range(4):
        parent = Dataset()
        parent.add_new(0x0040A040, 'CS', 'CONTAINER')
        parent.add_new(0x0040A730, 'SQ', Sequence([level]))
        undefined(parent[0x0040A730])
        level = parent
    ds.add_new(0x0040A730, 'SQ', Sequence([level, Dataset()]))
    undefined(ds[0x0040A730])
    ds.add_new(0x00082112, 'SQ', Sequence([]))
    undefined(ds[0x00082112])
    ds.add_new(0x7FE00010, 'OW', struct.pack('<4H', 1, 2, 0x8000, 0xFFFF))
    return ds


def written_by_pydicom():
    save(all_vrs(), 'pydicom-all-vrs-explicit-le.dcm', '1.2.840.10008.1.2.1', False, True)
    save(all_vrs(), 'pydicom-all-vrs-implicit-le.dcm', '1.2.840.10008.1.2', True, True)
    save(all_vrs(), 'pydicom-all-vrs-explicit-be.dcm', '1.2.840.10008.1.2.2', False, False)
    save(all_vrs(), 'pydicom-no-meta-implicit-le.dcm', None, True, True, meta=False)
    save(all_vrs(), 'pydicom-no-meta-explicit-le.dcm', None, False, True, meta=False)
    nf = base('pydicom-nonfinite')
    nf.add_new(0x0018605A, 'FL', [float('nan'), float('inf'), -float('inf'), 1.0])
    nf.add_new(0x00189087, 'FD', [float('nan'), -float('inf'), 2.0])
    save(nf, 'pydicom-nonfinite.dcm', '1.2.840.10008.1.2.1', False, True)


# ---- raw encoding -------------------------------------------------------------------------------------------

LONG = {'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV'}


def el(group, element, vr, value, pad=True):
    """One explicit VR little endian element; value bytes padded to even length unless pad is False."""
    if pad and len(value) % 2:
        value += b'\0' if vr in ('UI', 'OB', 'UN') else b' '
    head = struct.pack('<HH', group, element) + vr.encode()
    if vr in LONG:
        return head + b'\0\0' + struct.pack('<I', len(value)) + value
    return head + struct.pack('<H', len(value)) + value


def implicit_el(group, element, value):
    return struct.pack('<HHI', group, element, len(value)) + value


def raw_file(name, elements, charset=None):
    """A pydicom-written head (meta and group 0008 only) followed by the raw elements (groups above 0008)."""
    ds = Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = uid()
    ds.Modality = 'OT'
    if charset is not None:
        ds.SpecificCharacterSet = charset
    path = os.path.join(OUT, name)
    save(ds, name, '1.2.840.10008.1.2.1', False, True)
    with open(path, 'ab') as f:
        f.write(b''.join(elements))


STRING_VRS = ['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']
EDGE_VALUES = [
    b'', b'  ', b'\\', b'\\\\ ', b' A', b'A\\ B ', b'A\0', b'A\0\0\0', b'  A  \\  B  ', b'A\\', b'\\A',
    b' \\ ', b'A^B^^^', b'^A', b' 1.5 ', b'+1\\-0\\00.50\\1.\\.5\\1E+02', b'12\\x', b'\t A\t', b'A"B',
]


def edge_strings():
    # One private group per VR (creator at (gggg,0010), values at (gggg,10xx)): explicit VR keeps each VR.
    out = []
    for i, vr in enumerate(STRING_VRS):
        group = 0x0011 + 2 * i
        out.append(el(group, 0x0010, 'LO', b'PLAO EDGE ' + vr.encode()))
        for j, value in enumerate(EDGE_VALUES):
            out.append(el(group, 0x1000 + j, vr, value))
    raw_file('raw-edge-strings.dcm', out)


def odd_lengths():
    out = [
        el(0x0011, 0x0010, 'LO', b'PLAO ODD'),
        el(0x0011, 0x1001, 'LO', b'ODD', pad=False),
        el(0x0011, 0x1002, 'OB', b'\x01\x02\x03', pad=False),
        el(0x0011, 0x1003, 'UT', b'odd text', pad=False),
        el(0x0011, 0x1004, 'PN', b'Odd^Name^', pad=False),
        el(0x0011, 0x1005, 'DS', b'1.5', pad=False),
        el(0x0011, 0x1006, 'UN', b'\x09\x08\x07', pad=False),
    ]
    raw_file('raw-odd-lengths.dcm', out)


def un_undefined():
    # (0019,1001) UN with undefined length holding an implicit VR little endian sequence (PS3.5 6.2.2, CP-246);
    # (0019,1002) UN of defined length; a public SQ sent as UN of undefined length (0040,A730).
    item = implicit_el(0x0008, 0x0100, b'CODE99') + implicit_el(0x0008, 0x0104, b'Meaning ')
    nested = implicit_el(0x0040, 0xA040, b'TEXT') + implicit_el(0x0040, 0xA160, b'nested ')
    seq = (struct.pack('<HHI', 0xFFFE, 0xE000, 0xFFFFFFFF) + item + struct.pack('<HHI', 0xFFFE, 0xE00D, 0)
           + struct.pack('<HHI', 0xFFFE, 0xE000, len(item)) + item
           + struct.pack('<HHI', 0xFFFE, 0xE0DD, 0))
    public = (struct.pack('<HHI', 0xFFFE, 0xE000, 0xFFFFFFFF) + nested + struct.pack('<HHI', 0xFFFE, 0xE00D, 0)
              + struct.pack('<HHI', 0xFFFE, 0xE0DD, 0))
    out = [
        el(0x0019, 0x0010, 'LO', b'PLAO UN'),
        struct.pack('<HH', 0x0019, 0x1001) + b'UN\0\0' + struct.pack('<I', 0xFFFFFFFF) + seq,
        el(0x0019, 0x1002, 'UN', b'\x01\x02\x03\x04'),
        struct.pack('<HH', 0x0040, 0xA730) + b'UN\0\0' + struct.pack('<I', 0xFFFFFFFF) + public,
    ]
    raw_file('raw-un-undefined-length.dcm', out)


# ---- ISO 2022 text ------------------------------------------------------------------------------------------

ESC = b'\x1b'
G0_ASCII = ESC + b'(B'
G0_JISX0201_ROMAN = ESC + b'(J'
G1_JISX0201_KATAKANA = ESC + b')I'
G0_JISX0208 = ESC + b'$B'
G0_JISX0212 = ESC + b'$(D'
G1_KSX1001 = ESC + b'$)C'
G1_GB2312 = ESC + b'$)A'
G1_LATIN1 = ESC + b'-A'
G1_GREEK = ESC + b'-F'
G1_CYRILLIC = ESC + b'-L'


def jis(text):
    """JIS X 0208 text designated into G0 (7-bit), switched back to ASCII at the end."""
    return G0_JISX0208 + text.encode('iso2022_jp')[3:-3] + G0_ASCII


def jis0212(text):
    raw = text.encode('euc_jp')
    # EUC-JP codes JIS X 0212 as 0x8F + two GR bytes; ISO 2022 IR 159 in G0 uses the same two bytes, 7-bit.
    body = b''
    i = 0
    while i < len(raw):
        if raw[i] == 0x8F:
            body += bytes([raw[i + 1] & 0x7F, raw[i + 2] & 0x7F])
            i += 3
        else:
            raise ValueError('not JIS X 0212: ' + text)
    return G0_JISX0212 + body + G0_ASCII


def gr(designation, codec, text):
    return designation + text.encode(codec)


def iso2022_files():
    jp_pn = b'Yamada^Tarou=' + jis('山田') + b'^' + jis('太郎') + b'=' + jis('やまだ') + b'^' + jis('たろう')
    jp_lo = jis('山田太郎') + b' test'
    jp_lt = b'Line ' + jis('日本語') + b' mixed\\with ' + jis('漢字')
    raw_file('raw-iso2022-ir87.dcm', [
        el(0x0010, 0x0010, 'PN', jp_pn), el(0x0010, 0x0020, 'LO', jp_lo),
        el(0x0010, 0x1001, 'PN', jp_pn + b'\\' + b'Suzuki^Ichiro=' + jis('鈴木') + b'^' + jis('一郎')),
        el(0x0010, 0x4000, 'LT', jp_lt),
    ], charset=['', 'ISO 2022 IR 87'])
    kana_pn = (G1_JISX0201_KATAKANA + 'ﾔﾏﾀﾞ'.encode('shift_jis') + b'^' + G1_JISX0201_KATAKANA
               + 'ﾀﾛｳ'.encode('shift_jis') + b'=' + jis('山田') + b'^' + jis('太郎') + b'=' + jis('やまだ')
               + b'^' + jis('たろう'))
    raw_file('raw-iso2022-ir13-ir87.dcm', [
        el(0x0010, 0x0010, 'PN', kana_pn),
        el(0x0010, 0x0020, 'LO', 'ｶﾀｶﾅ'.encode('shift_jis')),
    ], charset=['ISO 2022 IR 13', 'ISO 2022 IR 87'])
    raw_file('raw-iso2022-ir159.dcm', [
        el(0x0010, 0x0010, 'PN', b'Mori^Ogai=' + jis('森') + b'^' + jis0212('鷗') + jis('外')),
        el(0x0010, 0x0020, 'LO', jis0212('鷗')),
    ], charset=['', 'ISO 2022 IR 87', 'ISO 2022 IR 159'])
    ks = lambda t: gr(G1_KSX1001, 'euc_kr', t)
    raw_file('raw-iso2022-ir149.dcm', [
        el(0x0010, 0x0010, 'PN', b'Hong^Gildong=' + ks('洪') + b'^' + ks('吉洞') + b'=' + ks('홍') + b'^' + ks('길동')),
        el(0x0010, 0x0020, 'LO', ks('한국어') + b' text'),
        el(0x0010, 0x4000, 'LT', b'Line ' + ks('한글') + b'\\end'),
    ], charset=['', 'ISO 2022 IR 149'])
    gb = lambda t: gr(G1_GB2312, 'gb2312', t)
    raw_file('raw-iso2022-ir58.dcm', [
        el(0x0010, 0x0010, 'PN', b'Zhang^SanFeng=' + gb('张') + b'^' + gb('三丰') + b'='),
        el(0x0010, 0x0020, 'LO', gb('中文') + b' text'),
        el(0x0010, 0x4000, 'LT', gb('第一行') + b'\r\n' + gb('第二行')),
    ], charset=['', 'ISO 2022 IR 58'])
    raw_file('raw-iso2022-latin-greek-cyrillic.dcm', [
        el(0x0010, 0x0010, 'PN', gr(G1_LATIN1, 'latin-1', 'Müller') + b'^' + gr(G1_GREEK, 'iso8859_7', 'Δημήτρης')),
        el(0x0010, 0x0020, 'LO', gr(G1_CYRILLIC, 'iso8859_5', 'Москва') + b' ' + gr(G1_LATIN1, 'latin-1', 'Zürich')),
    ], charset=['ISO 2022 IR 100', 'ISO 2022 IR 126', 'ISO 2022 IR 144'])
    # a sequence item with its own Specific Character Set overriding the dataset's (PS3.5 7.5.3)
    item = el(0x0008, 0x0005, 'CS', b'ISO_IR 144') + el(0x0010, 0x0010, 'PN', 'Иванов^Иван'.encode('iso8859_5'))
    raw_file('raw-charset-in-item.dcm', [
        el(0x0010, 0x0010, 'PN', 'Müller^Jürgen'.encode('latin-1')),
        struct.pack('<HH', 0x0010, 0x1002) + b'SQ\0\0' + struct.pack('<I', 0xFFFFFFFF)
        + struct.pack('<HHI', 0xFFFE, 0xE000, len(item)) + item
        + struct.pack('<HHI', 0xFFFE, 0xE000, 0xFFFFFFFF) + el(0x0010, 0x0020, 'LO', 'Größe'.encode('latin-1'))
        + struct.pack('<HHI', 0xFFFE, 0xE00D, 0) + struct.pack('<HHI', 0xFFFE, 0xE0DD, 0),
    ], charset='ISO_IR 100')


os.makedirs(OUT, exist_ok=True)
written_by_pydicom()
edge_strings()
odd_lengths()
un_undefined()
iso2022_files()
