#!/usr/bin/python3
"""Prints each failed test of a `go test -v` log with the lines it logged
that say why (assertion and error lines), shortest first.

  digest.py <go-test.log>
"""
import re
import sys

ANSI = re.compile(r'\x1b\[[0-9;]*m')
WHY = re.compile(r'(Error|error|expected|Expected|FAIL|panic|Failed|failed|Unable|Assert|Timeout|timeout)')


def main(path):
    blocks = {}
    current = None
    with open(path, errors='replace') as f:
        for line in f:
            started = re.match(r'^=== (RUN|CONT)\s+(\S+)', line)
            if started:
                current = started.group(2).split('/')[0]
                blocks.setdefault(current, [])
                continue
            ended = re.match(r'^--- FAIL: (\S+)', line)
            if ended:
                name = ended.group(1)
                why = [l.strip() for l in blocks.get(name, []) if WHY.search(l)]
                print(f'{name}:')
                for l in (why or blocks.get(name, [])[-3:])[:6]:
                    print(f'    {l[:300]}')
                continue
            if current:
                blocks[current].append(ANSI.sub('', line.rstrip('\n')))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
