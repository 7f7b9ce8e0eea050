#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""suite2txt - the openspf YAML test suite as lines for spf-suite.c

Usage: suite2txt.py rfc7208-tests.yml > suite.txt

One record per line, fields separated by TAB, every field escaped: bytes
outside 0x21-0x7e, and '%', are written %XX.
  S  description                       a scenario starts
  Z  name  TYPE  value                 zone data; TYPE A AAAA MX PTR TXT CNAME;
                                       MX value "pref name"; TIMEOUT has no value
  T  scenario/test  helo  host  mailfrom  results  hasexp  explanation
                                       results comma-separated, any accepted
Zone conventions (README of the suite): an SPF record is also served as
TXT unless the name has TXT entries of its own; "TXT: NONE" suppresses it.
Strings in the YAML are text; characters up to U+00FF stand for the byte
of that value (the suite writes "\\xEF" for byte 0xEF).
"""
import sys

import yaml


def raw(s):
    if isinstance(s, bytes):
        return s
    s = str(s)
    try:
        return s.encode('latin-1')
    except UnicodeEncodeError:
        return s.encode('utf-8')


def esc(s):
    out = []
    for b in raw(s):
        if 0x21 <= b <= 0x7e and b != 0x25:
            out.append(chr(b))
        else:
            out.append('%%%02X' % b)
    return ''.join(out)


def line(*fields):
    sys.stdout.write('\t'.join(fields) + '\n')


def text(v):
    """a TXT/SPF value: a string, or a list of strings glued together"""
    if isinstance(v, list):
        return b''.join(raw(x) for x in v)
    return raw(v)


def main():
    with open(sys.argv[1], 'rb') as f:
        docs = list(yaml.safe_load_all(f))
    for doc in docs:
        desc = doc.get('description', '')
        line('S', esc(desc))
        zone = doc.get('zonedata') or {}
        for name, entries in zone.items():
            entries = entries or []
            own_txt = any(isinstance(e, dict) and 'TXT' in e for e in entries)
            for e in entries:
                if e == 'TIMEOUT':
                    line('Z', esc(name), 'TIMEOUT', '')
                    continue
                for t, v in e.items():
                    if t == 'SPF':
                        line('Z', esc(name), 'SPF', esc(text(v)))
                        if not own_txt:
                            line('Z', esc(name), 'TXT', esc(text(v)))
                    elif t == 'TXT':
                        if v != 'NONE':
                            line('Z', esc(name), 'TXT', esc(text(v)))
                    elif t == 'MX':
                        line('Z', esc(name), 'MX', esc('%d %s' % (v[0], v[1])))
                    elif t in ('A', 'AAAA', 'PTR', 'CNAME'):
                        line('Z', esc(name), t, esc(v))
                    else:
                        sys.exit('unknown record type %s at %s' % (t, name))
        for tname, t in doc['tests'].items():
            res = t['result']
            if not isinstance(res, list):
                res = [res]
            hasexp = 'explanation' in t
            line('T', esc('%s/%s' % (desc, tname)), esc(t.get('helo', '')),
                 esc(t['host']), esc(t.get('mailfrom', '')),
                 esc(','.join(res)), '1' if hasexp else '0',
                 esc(t.get('explanation', '')) if hasexp else '')


if __name__ == '__main__':
    main()
