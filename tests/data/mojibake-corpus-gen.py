#!/usr/bin/env python3
"""Rebuilds the mojibake test corpora from text installed on a Debian 12 machine.

    python3 tests/data/mojibake-corpus-gen.py [OUTDIR]   (default: tests/data)
    python3 tests/data/mojibake-corpus-gen.py --all FILE  every catalog line

Writes:
  mojibake-clean.tsv    lang, source, text: real translated text, which the
                        repair must never change (the false-fix corpus)
  mojibake-damaged.tsv  lang, chain, original, damaged: that text run through
                        real encoders (Python's codecs), one to three layers

Sources (see mojibake-corpus.README.md): the translation catalogs under
/usr/share/locale/*/LC_MESSAGES/*.mo (read with Python's gettext module), and a
few hand-written lines of symbols and emoji. Deterministic: the same installed
catalogs give the same files.
"""
import gettext
import hashlib
import os
import sys

# Catalogs of packages every Debian 12 system of this suite has, in the
# order lines are taken (round robin, for variety).
CATALOGS = [
    "iso_3166-1", "iso_639-3", "iso_3166-2", "iso_4217", "iso_15924",
    "coreutils", "glib20", "gtk20", "xkeyboard-config", "Linux-PAM",
    "shadow", "apt", "dpkg", "bash", "libc", "tar", "systemd", "sed",
    "grep", "findutils", "diffutils", "PackageKit", "shared-mime-info",
    "appstream", "gdk-pixbuf", "software-properties", "python-apt",
    "xdg-user-dirs", "wget", "man-db", "psmisc", "adduser",
]

# Locale directory -> how many lines, and whether to add upper-cased copies
# (titles and file names are often written in capitals).
LANGS = {
    "fr": 150, "de": 150, "es": 150, "pt": 100, "pt_BR": 100, "it": 120,
    "pl": 150, "cs": 150, "sk": 100, "ro": 120, "hr": 100, "sr@latin": 100,
    "sl": 80, "hu": 120, "tr": 120, "vi": 150, "ca": 150, "is": 100,
    "da": 100, "nb": 80, "sv": 100, "fi": 100, "et": 80, "lv": 80, "lt": 100,
    "eo": 60, "ga": 60, "cy": 40, "el": 400, "ru": 250, "uk": 500, "sr": 400,
    "bg": 150, "mk": 80, "be": 150, "kk": 150, "he": 100, "ar": 100, "fa": 60, "ja": 150,
    "zh_CN": 120, "zh_TW": 120, "ko": 120, "th": 80, "hi": 80, "ka": 40,
    "hy": 40, "ta": 40, "bn": 40, "am": 30,
}
UPPER = {
    "fr", "de", "es", "pt", "it", "pl", "cs", "sk", "ro", "hr", "sr@latin",
    "hu", "tr", "vi", "ca", "is", "da", "sv", "lt", "lv", "el", "ru", "uk",
    "sr", "bg", "mk", "be", "kk",
}
UPPER_COUNT = 40
# Scripts whose capitals overlap the code pages' continuation bytes the most:
# every line gets an upper-cased copy.
UPPER_ALL = {"el", "ru", "uk", "sr", "bg", "mk", "be", "kk", "pl", "cs", "ro", "hr", "tr", "vi"}

# Hand-written: punctuation, symbols and emoji as people type them, and the
# clean names quoted in issue #12.
HAND = [
    "“Quoted” and ‘single’ — em dash – en dash… ellipsis · middle dot",
    "NESTLÉ® Crunch™ © 2024 Société des Produits Nestlé S.A.",
    "Part 2—Éric.txt", "Ångström units: 1 Å = 0.1 nm", "°C ± 0.5, 5 µm, ½ cup, ¾ inch",
    "Party time 🎉🎉 with 👍🏽 and ❤️ — see you at 8 ☺", "✓ done ✗ failed ★★★☆☆ → next ⇒ ∞",
    "€ 12,50 · £ 9.99 · ¥ 1200 · ₹ 499 · ₽ 300 · ₩ 5000",
    "ZOË’S PARTY.jpg", "PODNIECAĆ’S", "CONSOLIDATĂ’S", "POR QUÉ? Café",
    "ΑΔΙΚΟΎΜΕΝΟ…", "УВІРЯВ®", "odbijač—žalopojka", "col·lecció", "Raison D'être",
    "Zoë’s Tiếng Việt", "Muzicologă în", "São Paulo / Informação", "drži",
    "géodynamiques", "München.txt", "Köln.jpg", "Paweł.txt", "Čapek.txt",
    "må være", "José García", "Müller Straße 5", "café crème",
    "L’ÉTÉ EN PENTE DOUCE — “À BOUT DE SOUFFLE”", "ÇA VA? OUI… ÇA VA!",
    "«Ёлки-палки», — сказал он.", "ПРИВЕТ, МИР!", "ДОБРИЙ ДЕНЬ, ЇЖАК ҐАВ’ЯЗ!",
    "ЋИРИЛИЦА: ЂУРЂЕВДАН, ЉУБАВ, ЊЕГОШ, ЏЕП", "ΚΑΛΗΜΈΡΑ ΚΌΣΜΕ — ΤΙ ΚΆΝΕΙΣ;",
    "שלום עולם! ״ציטוט״ — מקף", "مرحبا بالعالم، كيف حالك؟", "日本語のファイル名「報告書」.docx",
    "中文文件名：《报告》.pdf", "한국어 파일 이름.hwp", "ภาษาไทย ๑๒๓", "नमस्ते दुनिया।",
]


def catalog_strings(lang, domain):
    path = f"/usr/share/locale/{lang}/LC_MESSAGES/{domain}.mo"
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        try:
            catalog = gettext.GNUTranslations(f)
        except Exception:
            return []
    out = []
    for key, value in catalog._catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or not isinstance(value, str):
            continue  # the header
        out.append(value)
    return out


def usable(s):
    s = s.strip()
    if not s or any(c in s for c in "\t\n\r") or len(s) > 160:
        return None
    if s.isascii():
        return None  # ASCII is never touched: no evidence
    if any(0x80 <= ord(c) <= 0x9F or ord(c) < 0x20 for c in s):
        return None
    if is_mojibake_itself(s):
        return None
    return s


def is_mojibake_itself(s):
    """A few catalogs (nn, nl) hold strings already damaged (`etterfÃ¸lgt`):
    they are UTF-8 read as windows-1252, so not clean text."""
    try:
        return s.encode("cp1252").decode("utf-8") != s
    except UnicodeError:
        return False


def key(s):
    return hashlib.sha1(s.encode()).hexdigest()


def clean_lines():
    rows = []
    seen = set()
    for lang, want in LANGS.items():
        per_catalog = []
        for domain in CATALOGS:
            strings = sorted({u for u in map(usable, catalog_strings(lang, domain)) if u}, key=key)
            if strings:
                per_catalog.append((domain, strings))
        taken = []
        i = 0
        while len(taken) < want and any(i < len(s) for _, s in per_catalog):
            for domain, strings in per_catalog:
                if i < len(strings) and len(taken) < want and strings[i] not in seen:
                    seen.add(strings[i])
                    taken.append((domain, strings[i]))
            i += 1
        for domain, s in taken:
            rows.append((lang, domain, s))
        if lang in UPPER:
            upper = [(d, s.upper()) for d, s in taken if s.upper() != s]
            for domain, s in sorted(upper, key=lambda r: key(r[1]))[:None if lang in UPPER_ALL else UPPER_COUNT]:
                if s not in seen:
                    seen.add(s)
                    rows.append((lang, domain + "+upper", s))
    for s in HAND:
        rows.append(("mul", "hand", s))
    return rows


def sloppy(codec):
    """Decode as browsers and encoding_rs do: a byte the code page leaves
    undefined becomes the C1 control of the same number."""
    def decode(b):
        out = []
        for byte in b:
            try:
                out.append(bytes([byte]).decode(codec))
            except UnicodeDecodeError:
                out.append(chr(byte))
        return "".join(out)
    return decode


def strict(codec):
    def decode(b):
        return b.decode(codec)
    return decode


LAYERS = {
    "cp1252": sloppy("cp1252"), "latin-1": strict("latin-1"), "macroman": strict("mac_roman"),
    "cp437": strict("cp437"), "cp850": strict("cp850"), "cp852": strict("cp852"),
    "cp866": strict("cp866"), "koi8-r": strict("koi8_r"), "koi8-u": strict("koi8_u"),
    "iso-8859-2": strict("iso8859_2"), "iso-8859-5": strict("iso8859_5"),
    "cp1250": sloppy("cp1250"), "cp1251": sloppy("cp1251"), "cp1253": sloppy("cp1253"),
    "cp1257": sloppy("cp1257"), "shift_jis": strict("shift_jis"), "gbk": strict("gbk"),
    "big5": strict("big5"), "euc-kr": strict("euc_kr"),
}

WESTERN = ["cp1252", "latin-1", "macroman", "cp437", "cp850", "cp1252+cp1252",
           "macroman+macroman", "macroman+macroman+macroman", "cp1252+macroman",
           "latin-1+cp1252", "cp1252+cp1252+cp1252"]
CENTRAL = ["cp1252", "cp1250", "iso-8859-2", "cp852", "macroman", "cp437", "cp850",
           "cp1252+cp1252", "cp1250+cp1250", "macroman+macroman"]
BALTIC = ["cp1257", "cp1252", "macroman", "cp1252+cp1252"]
CYRILLIC = ["cp1251", "cp1252", "koi8-r", "koi8-u", "cp866", "iso-8859-5", "macroman",
            "cp1251+cp1251", "cp1252+cp1252"]
GREEK = ["cp1253", "cp1252", "macroman", "cp1252+cp1252"]
OTHER = ["cp1252", "macroman", "cp1252+cp1252", "macroman+macroman"]
CJK = ["cp1252", "macroman", "cp1252+cp1252", "macroman+macroman", "shift_jis", "gbk",
       "big5", "euc-kr", "cp437"]
FAMILY = {
    **{l: WESTERN for l in ["fr", "de", "es", "pt", "pt_BR", "it", "ca", "is", "da", "nb",
                            "sv", "fi", "eo", "ga", "cy", "vi", "tr", "mul"]},
    **{l: CENTRAL for l in ["pl", "cs", "sk", "ro", "hr", "sr@latin", "sl", "hu"]},
    **{l: BALTIC for l in ["et", "lv", "lt"]},
    **{l: CYRILLIC for l in ["ru", "uk", "sr", "bg", "mk", "be", "kk"]},
    "el": GREEK,
    **{l: CJK for l in ["ja", "zh_CN", "zh_TW", "ko"]},
}

DAMAGED_PER_LANG = 60


def damage(text, chain):
    out = text
    for layer in chain.split("+"):
        out = LAYERS[layer](out.encode("utf-8"))
    return out


def damaged_rows(clean):
    by_lang = {}
    for lang, _, s in clean:
        by_lang.setdefault(lang, []).append(s)
    rows = []
    for lang, lines in by_lang.items():
        chains = FAMILY.get(lang, OTHER)
        picked = sorted(lines, key=lambda s: key("damage" + s))[:DAMAGED_PER_LANG]
        for n, s in enumerate(picked):
            chain = chains[n % len(chains)]
            try:
                bad = damage(s, chain)
            except UnicodeDecodeError:
                continue  # the code page leaves a byte undefined: no such damage
            if bad == s or any(c in bad for c in "\t\n\r"):
                continue
            rows.append((lang, chain, s, bad))
    return rows


def escape(s):
    # C1 controls and other controls as \u{HEX}, so no reader splits on U+0085.
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029":
            out.append("\\u{%X}" % ord(c))
        else:
            out.append(c)
    return "".join(out)


def every_catalog_line(out):
    """`--all FILE`: every usable line of every installed catalog, and its
    upper-cased copy (1.5 million lines on a Debian 12 of this suite), for a
    run of `mojibake-fix check FILE` that must print nothing."""
    seen = set()
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for lang in sorted(os.listdir("/usr/share/locale")):
            folder = f"/usr/share/locale/{lang}/LC_MESSAGES"
            if not os.path.isdir(folder):
                continue
            for mo in sorted(os.listdir(folder)):
                if not mo.endswith(".mo"):
                    continue
                for s in catalog_strings(lang, mo[:-3]):
                    s = usable(s)
                    for v in (s, s.upper()) if s else ():
                        if v not in seen:
                            seen.add(v)
                            f.write(f"{v}\n")
    print(f"{len(seen)} lines", file=sys.stderr)


def main():
    if sys.argv[1:2] == ["--all"]:
        return every_catalog_line(sys.argv[2])
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    clean = clean_lines()
    with open(os.path.join(outdir, "mojibake-clean.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("lang\tsource\ttext\n")
        for row in clean:
            f.write("\t".join(escape(x) for x in row) + "\n")
    damaged = damaged_rows(clean)
    with open(os.path.join(outdir, "mojibake-damaged.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("lang\tchain\toriginal\tdamaged\n")
        for row in damaged:
            f.write("\t".join(escape(x) for x in row) + "\n")
    print(f"{len(clean)} clean lines, {len(damaged)} damaged lines", file=sys.stderr)


if __name__ == "__main__":
    main()
