#!/usr/bin/python3
"""Groups the failures of the last Tempest run by likely root cause.

  cd <workdir>/workspace && stestr last --subunit | digest.py

For each failed test it takes the exception Tempest raised (status code,
schema violation, timeout...) and the last compute request it logged, turns
ids into placeholders, and prints one group per distinct signature with the
tests that share it, largest group first.
"""
import re
import sys
from collections import defaultdict

import subunit
import testtools

UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}')
REQUEST = re.compile(r'Request \([^)]*\): (\d{3}) (GET|POST|PUT|DELETE|PATCH|HEAD) (\S+)')
NAME = re.compile(r'tempest-[\w-]+?-\d{6,}|-\d{6,}\b')


def normalise(text):
    text = UUID.sub('<id>', text)
    text = NAME.sub('<name>', text)
    text = re.sub(r'http://127\.0\.0\.1:\d+', '', text)
    text = re.sub(r'\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?', '<time>', text)
    return text


def detail_text(details, key):
    d = details.get(key)
    if d is None:
        return ''
    return b''.join(d.iter_bytes()).decode('utf-8', 'replace')


def signature(details):
    tb = detail_text(details, 'traceback')
    lines = [l for l in tb.strip().splitlines() if l.strip()]
    # The exception line is the first unindented line after the last "File" frame.
    exc = ''
    for i, l in enumerate(lines):
        if not l.startswith(' ') and not l.startswith('Traceback'):
            exc = '\n'.join(lines[i:i + 4])
            break
    exc = normalise(exc)[:600]
    # The deepest frame in the test or its helpers says what was being done
    # (class fixtures log no requests, so this is all there is for them).
    frames = re.findall(r'File "[^"]*/tempest/(api|common)/([^"]+)", line \d+, in (\w+)\n\s+(.+)', tb)
    where = f'at {frames[-1][1]} {frames[-1][2]}: {frames[-1][3].strip()}' if frames else ''
    log = detail_text(details, "pythonlogging:''")
    reqs = REQUEST.findall(log)
    last = ''
    if reqs:
        status, method, url = reqs[-1]
        last = f'last request: {status} {method} {normalise(url)}'
    return exc, '\n'.join(x for x in (where, last) if x)


def main():
    groups = defaultdict(list)
    counts = defaultdict(int)

    def on_test(t):
        counts[t['status']] += 1
        if t['status'] == 'fail':
            exc, last = signature(t['details'])
            groups[(exc, last)].append(re.sub(r'\[.*', '', t['id']).replace('tempest.api.compute.', ''))

    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name='stdout')
    result = testtools.StreamToDict(on_test)
    result.startTestRun()
    stream.run(result)
    result.stopTestRun()
    print(', '.join(f'{v} {k}' for k, v in sorted(counts.items())))
    for (exc, last), tests in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f'\n=== {len(tests)} test(s)\n{exc}\n{last}'.rstrip())
        for t in sorted(tests):
            print(f'  - {t}')


if __name__ == '__main__':
    main()
