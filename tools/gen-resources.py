#!/usr/bin/env python3
"""Embed templates/, migrations/ and assets/ into the binary as a GResource bundle.

Writes a GResource XML listing every file under the given directories and runs
glib-compile-resources on it. Rewrites outputs only when they change, so that
the (always stale) build step does not trigger relinks for nothing.
usage: gen-resources.py SRCROOT OUT.c OUT.h DIR...
"""
import os, subprocess, sys, tempfile

def main():
    root, out_c, out_h, dirs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    files = []
    for d in dirs:
        for base, subdirs, names in os.walk(os.path.join(root, d)):
            subdirs.sort()
            for n in sorted(names):
                if n.startswith('.') or n.endswith('~'):
                    continue
                files.append(os.path.relpath(os.path.join(base, n), root))
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<gresources>',
           '  <gresource prefix="/bireg">']
    xml += ['    <file>%s</file>' % f for f in files]
    xml += ['  </gresource>', '</gresources>', '']
    with tempfile.TemporaryDirectory() as tmp:
        x = os.path.join(tmp, 'r.xml')
        open(x, 'w').write('\n'.join(xml))
        for target, mode in ((out_c, '--generate-source'), (out_h, '--generate-header')):
            t = os.path.join(tmp, os.path.basename(target))
            subprocess.run(['glib-compile-resources', mode, '--c-name', 'bireg',
                            '--sourcedir', root, '--target', t, x], check=True)
            new = open(t, 'rb').read()
            old = open(target, 'rb').read() if os.path.exists(target) else None
            if new != old:
                open(target, 'wb').write(new)

main()
