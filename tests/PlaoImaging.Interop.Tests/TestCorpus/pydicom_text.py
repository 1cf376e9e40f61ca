#!/usr/bin/python3
"""Prints, as JSON, how pydicom decodes every text value a Specific Character Set governs (SH, LO, ST, LT, UC, UT,
PN), recursively into sequence items: {"0040A730[0].00100010": ["value", ...], ...}.

usage: /usr/bin/python3 pydicom_text.py FILE

The interop test uses it only where DCMTK cannot be the reference for the text: dcm2json on this machine cannot
convert ISO 2022 IR 87 / IR 159 (glibc iconv has no such converter), so for those files our decoded text is
compared with pydicom's instead (see Part10/NORMALISATION.md).
"""
import json
import sys
import warnings

import pydicom

TEXT_VRS = {'SH', 'LO', 'ST', 'LT', 'UC', 'UT', 'PN'}


def walk(ds, prefix, out):
    for elem in ds:
        key = prefix + '%08X' % elem.tag
        if elem.VR == 'SQ':
            for i, item in enumerate(elem.value):
                walk(item, '%s[%d].' % (key, i), out)
        elif elem.VR in TEXT_VRS and elem.value is not None:
            values = elem.value if isinstance(elem.value, pydicom.multival.MultiValue) else [elem.value]
            out[key] = ['' if v is None else str(v) for v in values]


warnings.simplefilter('ignore')
dataset = pydicom.dcmread(sys.argv[1], force=True)
dataset.decode()
result = {}
walk(dataset, '', result)
sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode('utf-8'))
