#!/usr/bin/env python3
"""Builds the names corpora of mojibake-fix's tests from text installed on
this Debian machine (not committed: they hold people's names).

    python3 tests/data/mojibake-names-gen.py OUTDIR

Writes:
  names-clean.tsv    script, source, name: real people's and places' names,
                     which the repair must leave as they are
  names-damaged.tsv  kind, group, original, damaged_hex: those names through
                     the real mistakes (Python's codecs), as bytes in hex

Sources, read in a fixed order (the same installed files give the same corpus):
  - people: "Name <email>" in /usr/share/doc/*/* (changelogs, copyright and
    NEWS files) and the Last-Translator of every translation catalog;
  - POD: the AUTHOR sections of the Perl modules' documentation
    (/usr/share/perl, /usr/share/perl5);
  - places: the subdivision and country names of iso-codes in every language
    (/usr/share/locale/*/LC_MESSAGES/iso_3166-2.mo, iso_3166-1.mo), and the
    native country and language names of glibc's locale data
    (/usr/share/i18n/locales/*: country_name, lang_name).

Each damaged name is in a group of up to 8 names of the same kind: the test
puts a group in one directory, as a zip unpacks all its names from one code
page.
"""
import glob
import gettext
import gzip
import hashlib
import os
import re
import sys
import unicodedata

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
# Per source and script, at most this many names (the corpus stays a size a
# debug build walks in seconds).
PER_SCRIPT = 400
# Names per kind of damage.
PER_KIND = 240
GROUP = 8
EXTENSIONS = [".txt", ".odt", ".pdf", ".jpg", ".doc", "", ".csv", ".mp3"]


def digest(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_text(path):
    try:
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if len(raw) > 20_000_000:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


NAME = r"[^\W\d_][\w'.\-]*(?:[ \-][^\W\d_][\w'.\-]*){1,4}"
EMAIL = re.compile(r"<[^<>@\s]{1,64}@[^<>\s]{1,255}>")
PERSON_END = re.compile(r"(" + NAME + r")\s*\Z")
LEAD = re.compile(r"^(?:(?:[a-z][\w'\-]*|Thanks|Reported|Suggested|Prompted|Patch|Problem|Fix|Fixes|Based|From|By|Original|Author|Authors|Copyright|Maintainer|Closes|See|Noticed|Spotted|Found)\s+)+")


def clean_person(text):
    text = LEAD.sub("", text.strip())
    if not 3 <= len(text) <= 50 or not text[0].isupper():
        return None
    if any(c.isdigit() or c in "@<>()[]{}/\\|:;,\"" for c in text):
        return None
    return unicodedata.normalize("NFC", text)


def people():
    found = {}
    for path in sorted(glob.glob("/usr/share/doc/*/*")):
        if os.path.isdir(path):
            continue
        text = read_text(path)
        if text is None:
            continue
        # The addresses first, then the name before each (a regex over
        # whole files backtracks for minutes).
        for m in EMAIL.finditer(text):
            before = PERSON_END.search(text, max(0, m.start() - 60), m.start())
            name = before and clean_person(before.group(1))
            if name:
                found.setdefault(name, "doc")
    for path in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo")):
        try:
            with open(path, "rb") as f:
                info = gettext.GNUTranslations(f).info()
        except Exception:
            continue
        m = re.match(r"\s*(" + NAME + r")", info.get("last-translator", ""))
        if m:
            name = clean_person(m.group(1))
            if name:
                found.setdefault(name, "translator")
    return found


def pod_authors():
    found = {}
    paths = []
    for root in ["/usr/share/perl", "/usr/share/perl5"]:
        for directory, _, files in os.walk(root):
            paths += [os.path.join(directory, f) for f in files if f.endswith((".pm", ".pod"))]
    for path in sorted(paths):
        raw = open(path, "rb").read()
        if b"=head1 AUTHOR" not in raw:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        for section in re.findall(r"^=head1 AUTHORS?\b(.*?)(?=^=head|\Z)", text, re.M | re.S):
            for m in re.finditer(NAME, section):
                name = clean_person(m.group(0))
                if name and not name.isascii() and len(name.split()) >= 2:
                    found.setdefault(name, "pod")
    return found


def places():
    found = {}
    for domain in ["iso_3166-2", "iso_3166-1"]:
        for path in sorted(glob.glob(f"/usr/share/locale/*/LC_MESSAGES/{domain}.mo")):
            lang = path.split("/")[4]
            with open(path, "rb") as f:
                catalog = gettext.GNUTranslations(f)
            for msgid, msgstr in sorted(catalog._catalog.items(), key=lambda kv: str(kv[0])):
                if not isinstance(msgid, str) or not msgid or not isinstance(msgstr, str):
                    continue
                if msgstr == msgid or not 2 <= len(msgstr) <= 60 or "\n" in msgstr:
                    continue
                found.setdefault(unicodedata.normalize("NFC", msgstr), f"{domain}:{lang}")
    for path in sorted(glob.glob("/usr/share/i18n/locales/*")):
        try:
            text = open(path, encoding="utf-8").read()
        except (UnicodeDecodeError, IsADirectoryError):
            continue
        for key in ["country_name", "lang_name"]:
            for m in re.finditer(r'^\s*' + key + r'\s+"([^"]*)"', text, re.M):
                value = re.sub(r"<U([0-9A-Fa-f]{4,6})>", lambda u: chr(int(u.group(1), 16)), m.group(1))
                if 2 <= len(value) <= 60:
                    found.setdefault(unicodedata.normalize("NFC", value), "locale:" + os.path.basename(path))
    return found


def script(name):
    """Which mistakes a name meets: the script and code pages it fits."""
    def fits(encoding):
        try:
            name.encode(encoding)
            return True
        except UnicodeEncodeError:
            return False
    if name.isascii():
        return "ascii"
    if any("\u3040" <= c <= "\u30ff" for c in name):
        return "ja"
    if any("\uac00" <= c <= "\ud7a3" for c in name):
        return "ko"
    if any("\u4e00" <= c <= "\u9fff" for c in name):
        if fits("gb2312"):
            return "zh-hans"
        if fits("big5"):
            return "zh-hant"
        return "other"
    if fits("latin-1"):
        return "west"
    if fits("cp1250"):
        return "central"
    if fits("cp1251"):
        return "cyrillic"
    if fits("iso-8859-7"):
        return "greek"
    if fits("cp1254"):
        return "turkish"
    if fits("cp1252"):
        return "west"
    if any("\u1ea0" <= c <= "\u1ef9" for c in name) or fits("cp1258"):
        return "vietnamese"
    return "other"


def sloppy(encoding):
    """Decoding as browsers and encoding_rs do: a byte windows-125x leaves
    undefined becomes the C1 control of the same number."""
    def decode(data):
        if encoding.startswith("cp125"):
            return "".join(
                bytes([b]).decode(encoding, errors="ignore") or chr(b) for b in data
            )
        return data.decode(encoding)
    return decode


def utf8_read_as(*encodings):
    def damage(name):
        text = name
        for encoding in encodings:
            text = sloppy(encoding)(text.encode("utf-8"))
        return text.encode("utf-8")
    return damage


def raw(encoding):
    return lambda name: name.encode(encoding)


def read_as(first, second):
    """Bytes of `first` read as `second`, written as UTF-8."""
    return lambda name: sloppy(second)(name.encode(first)).encode("utf-8")


def nfd_read_as_macroman(name):
    return unicodedata.normalize("NFD", name).encode("utf-8").decode("mac_roman").encode("utf-8")


WEST = {
    "utf8>cp1252": utf8_read_as("cp1252"),
    "utf8>latin1": utf8_read_as("latin-1"),
    "utf8>macroman": utf8_read_as("mac_roman"),
    "utf8>cp437": utf8_read_as("cp437"),
    "utf8>cp850": utf8_read_as("cp850"),
    "utf8>cp1252>cp1252": utf8_read_as("cp1252", "cp1252"),
    "nfd>macroman": nfd_read_as_macroman,
    "raw:latin1": raw("latin-1"),
    "raw:cp1252": raw("cp1252"),
    "raw:iso8859-15": raw("iso-8859-15"),
    "raw:cp437": raw("cp437"),
    "raw:cp850": raw("cp850"),
    "raw:macroman": raw("mac_roman"),
    "cp437>latin1": read_as("cp437", "latin-1"),
    "cp850>latin1": read_as("cp850", "latin-1"),
    "cp850>cp437": read_as("cp850", "cp437"),
}
CENTRAL = {
    "utf8>cp1252": utf8_read_as("cp1252"),
    "utf8>cp1250": utf8_read_as("cp1250"),
    "utf8>iso8859-2": utf8_read_as("iso-8859-2"),
    "nfd>macroman": nfd_read_as_macroman,
    "raw:cp1250": raw("cp1250"),
    "raw:iso8859-2": raw("iso-8859-2"),
    "raw:cp852": raw("cp852"),
    "cp852>cp437": read_as("cp852", "cp437"),
    "cp852>latin1": read_as("cp852", "latin-1"),
}
CYRILLIC = {
    "utf8>cp1251": utf8_read_as("cp1251"),
    "utf8>koi8-r": utf8_read_as("koi8-r"),
    "utf8>cp1252": utf8_read_as("cp1252"),
    "raw:cp1251": raw("cp1251"),
    "raw:koi8-r": raw("koi8-r"),
    "raw:koi8-u": raw("koi8-u"),
    "raw:cp866": raw("cp866"),
    "raw:iso8859-5": raw("iso-8859-5"),
    "cp1251>latin1": read_as("cp1251", "latin-1"),
    "cp1251>cp1252": read_as("cp1251", "cp1252"),
    "koi8-r>latin1": read_as("koi8-r", "latin-1"),
    "koi8-r>cp1252": read_as("koi8-r", "cp1252"),
    "cp866>cp437": read_as("cp866", "cp437"),
}
KINDS = {
    "west": WEST,
    "central": CENTRAL,
    "cyrillic": CYRILLIC,
    "greek": {
        "utf8>cp1253": utf8_read_as("cp1253"),
        "utf8>cp1252": utf8_read_as("cp1252"),
        "raw:iso8859-7": raw("iso-8859-7"),
    },
    "turkish": {
        "utf8>cp1252": utf8_read_as("cp1252"),
        "raw:cp1254": raw("cp1254"),
    },
    "vietnamese": {"utf8>cp1252": utf8_read_as("cp1252"), "utf8>latin1": utf8_read_as("latin-1")},
    "ja": {"raw:shift_jis": raw("shift_jis"), "raw:euc-jp": raw("euc_jp"), "shift_jis>cp437": read_as("shift_jis", "cp437")},
    "zh-hans": {"raw:gbk": raw("gbk")},
    "zh-hant": {"raw:big5": raw("big5")},
    "ko": {"raw:euc-kr": raw("euc_kr")},
}


def escape(text):
    return "".join(
        c if c.isprintable() and c not in "\t\\" else "\\u{%X}" % ord(c) if c != "\\" else "\\\\"
        for c in text
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    sources = {}
    for found in [people(), pod_authors(), places()]:
        for name, source in found.items():
            sources.setdefault(name, source)
    by_script = {}
    for name, source in sources.items():
        s = script(name)
        if s in ("ascii", "other") or "/" in name:
            continue
        by_script.setdefault((source.split(":")[0], s), []).append(name)
    chosen = []
    for (source, s), names in sorted(by_script.items()):
        names.sort(key=digest)
        for name in names[:PER_SCRIPT]:
            ext = EXTENSIONS[int(digest(name)[:4], 16) % len(EXTENSIONS)]
            chosen.append((s, sources[name], name + ext))
    chosen.sort(key=lambda row: digest(row[2]))
    with open(os.path.join(OUT, "names-clean.tsv"), "w", encoding="utf-8") as out:
        out.write("script\tsource\tname\n")
        for s, source, name in chosen:
            out.write(f"{s}\t{source}\t{escape(name)}\n")
    rows = []
    for s, _, name in chosen:
        for kind, damage in KINDS.get(s, {}).items():
            try:
                damaged = damage(name)
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if damaged == name.encode("utf-8") or len(damaged) > 255:
                continue
            rows.append((kind, name, damaged))
    rows.sort(key=lambda row: (row[0], digest(row[1])))
    kept, counts = [], {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
        if counts[row[0]] <= PER_KIND:
            kept.append(row)
    rows = kept
    counters = {}
    with open(os.path.join(OUT, "names-damaged.tsv"), "w", encoding="utf-8") as out:
        out.write("kind\tgroup\toriginal\tdamaged_hex\n")
        for kind, name, damaged in rows:
            n = counters.get(kind, 0)
            counters[kind] = n + 1
            out.write(f"{kind}\t{kind}-{n // GROUP}\t{escape(name)}\t{damaged.hex()}\n")
    print(f"{len(chosen)} clean names, {len(rows)} damaged", file=sys.stderr)


main()
