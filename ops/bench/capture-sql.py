#!/usr/bin/env python3
"""Turns the statements one page request ran, as PostgreSQL logged them, into a pgbench script.

Used by ops/bench/request-overhead. The server's PostgreSQL runs with log_statement = 'all' and
log_line_prefix = '%m|%p|%c|%u|%a|' while the page is requested once, between two marker
statements sent by psql. This reads the log between the markers, keeps the statements of the
application's login role (every backend that served the request, in log order), and writes:

  PREFIX.sql   the pgbench script: the statements as logged, each bind parameter $N replaced by a
               pgbench variable :qK_N (sent as a parameter under -M prepared/extended, like the
               app's), NULL parameters inline, the app's own BEGIN/COMMIT kept;
  PREFIX.vars  one NAME=VALUE a line, passed to pgbench as -D NAME=VALUE;
  PREFIX.log   the log lines the script was made from;

and prints one line: transactions statements backends.

usage: capture-sql.py LOG START_MARKER END_MARKER ROLE PREFIX [FROM UNTIL]

FROM and UNTIL (Unix seconds, from just before the request was sent and just after its answer
came back) narrow the window to the request's own time, so a periodic task of the server that
runs between the markers is left out.
"""
from datetime import datetime, timezone
import re
import sys

PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
PLACEHOLDER = re.compile(r"\$(\d+)(?!\d)")
MESSAGE = re.compile(r"^(LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE|FATAL):  (.*)$", re.S)
EXECUTE = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def array_cast(text):
    """A cast for an array value: the log shows no parameter types, and pgbench sends its variables
    untyped, which PostgreSQL cannot resolve inside unnest(…) or ANY(…). The element type is read
    off the values (the app binds uuid[], bigint[] or text[])."""
    if not (text.startswith("{") and text.endswith("}")):
        return ""
    items = [i.strip('"') for i in text[1:-1].split(",") if i]
    if items and all(UUID.match(i) for i in items):
        return "::uuid[]"
    if items and all(re.fullmatch(r"-?\d+", i) for i in items):
        return "::bigint[]"
    return "::text[]"


def stamp(text):
    """Unix seconds of a %m prefix ("2026-12-07 11:45:29.392 UTC"); the cluster logs in UTC."""
    return datetime.strptime(text.replace(" UTC", ""), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


def entries(lines):
    """Yields (time, pid, session, user, app, level, text) per log message; continuation lines start with a tab."""
    current = None
    for line in lines:
        if line.startswith("\t") and current is not None:
            current[6] += "\n" + line[1:]
            continue
        parts = line.split("|", 5)
        if len(parts) < 6:
            continue
        m = MESSAGE.match(parts[5].lstrip())
        if not m:
            continue
        if current is not None:
            yield tuple(current)
        current = [parts[0], parts[1], parts[2], parts[3], parts[4], m.group(1), m.group(2)]
    if current is not None:
        yield tuple(current)


def main():
    if len(sys.argv) not in (6, 8):
        sys.exit(__doc__)
    log, start, end, role, prefix = sys.argv[1:6]
    since, until = (float(sys.argv[6]) - 0.002, float(sys.argv[7]) + 0.002) if len(sys.argv) == 8 else (None, None)
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    begin = max((i for i, l in enumerate(lines) if start in l), default=None)
    if begin is None:
        sys.exit(f"capture-sql: start marker {start} not in {log}")
    finish = next((i for i in range(begin, len(lines)) if end in lines[i]), None)
    if finish is None:
        sys.exit(f"capture-sql: end marker {end} not in {log}")
    window = lines[begin + 1:finish]

    statements = []  # (pid, sql, {n: value})
    for at, pid, session, user, app, level, text in entries(window):
        if user != role or app == "psql":
            continue
        if since is not None and not since <= stamp(at) <= until:
            continue
        if level == "LOG":
            m = EXECUTE.match(text)
            if m:
                statements.append([pid, m.group(1).strip(), {}])
        elif level == "DETAIL" and text.startswith("parameters: ") and statements and statements[-1][0] == pid:
            statements[-1][2] = {int(n): v for n, v in PARAM.findall(text)}
        elif level in ("ERROR", "FATAL"):
            sys.exit(f"capture-sql: the request raised an error in PostgreSQL: {text}")
    if not statements:
        sys.exit(f"capture-sql: no statement of role {role} between the markers in {log}")

    # Transactions per backend (BEGIN … COMMIT, or one statement outside of one), in the order they
    # began. When the page holds two connections at once, their transactions interleave in the log;
    # one pgbench client runs them one after the other, each kept whole.
    groups, open_group = [], {}
    for pid, sql, params in statements:
        word = sql.split(None, 1)[0].rstrip(";").upper() if sql.split() else ""
        group = open_group.get(pid)
        if group is None:
            group = []
            groups.append(group)
            if word in ("BEGIN", "START"):
                open_group[pid] = group
        group.append((pid, sql, params))
        if word in ("COMMIT", "ROLLBACK", "END"):
            open_group.pop(pid, None)
    if open_group:
        sys.exit("capture-sql: a transaction was still open at the end marker; the capture window is too short")
    transactions = len(groups)
    statements = [s for g in groups for s in g]

    script, variables = [], []
    for k, (pid, sql, params) in enumerate(statements, 1):

        def value(m, k=k, params=params):
            n = int(m.group(1))
            raw = params.get(n)
            if raw is None:
                sys.exit(f"capture-sql: statement {k} uses ${n} but the log shows no value for it")
            if raw == "NULL":
                return "NULL"
            name = f"q{k}_{n}"
            text = raw[1:-1].replace("''", "'")
            if "\n" in text:
                sys.exit(f"capture-sql: parameter ${n} of statement {k} holds a newline; pgbench -D cannot pass it")
            variables.append(f"{name}={text}")
            return f":{name}" + array_cast(text)

        body = PLACEHOLDER.sub(value, sql).rstrip().rstrip(";")
        script.append(f"-- statement {k}, backend {pid}\n{body};")
    backends = len({s[0] for s in statements})

    with open(prefix + ".sql", "w", encoding="utf-8") as f:
        f.write(f"-- Captured from the PostgreSQL log of one warm request by ops/bench/request-overhead: "
                f"{transactions} transaction(s), {len(statements)} statement(s), {backends} backend(s).\n"
                f"-- Variables (:qK_N, statement K, parameter $N) are in {prefix.rsplit('/', 1)[-1]}.vars.\n")
        f.write("\n".join(script) + "\n")
    with open(prefix + ".vars", "w", encoding="utf-8") as f:
        f.write("".join(v + "\n" for v in variables))
    with open(prefix + ".log", "w", encoding="utf-8") as f:
        f.write("\n".join(window) + "\n")
    print(transactions, len(statements), backends)


if __name__ == "__main__":
    main()
