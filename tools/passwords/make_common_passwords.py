"""Builds src/NeuroLab.Web/Security/Passwords/common-passwords.txt, the list WeakPasswordValidator refuses.

Two parts, both lower-cased and de-duplicated:
1. A real list of common passwords: Openwall's password.lst (John the Ripper, 3,546 entries compiled by
   Solar Designer from 1990s Unix systems and the "top N" lists of 2006-2010 website breaches; "assumed
   to be in the public domain"), copied here from Debian's john-data 1.9.0 package as openwall-password.lst.
2. Generated patterns that breach corpora are full of: keyboard walks, digit and letter sequences, repeated
   characters, years and dates, and famous base words with the digit/symbol suffixes people add.
   The validator also checks these shapes algorithmically; listing them keeps the list honest on its own.

Run: python3 tools/passwords/make_common_passwords.py   (no network, deterministic output)
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "src/NeuroLab.Web/Security/Passwords/common-passwords.txt"


def openwall():
    for line in (HERE / "openwall-password.lst").read_text(encoding="latin-1").splitlines():
        if line and not line.startswith("#!comment:"):
            yield line


def walks():
    rows = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "azertyuiop", "abcdefghijklmnopqrstuvwxyz",
            "0123456789", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp", "zaq1xsw2cde3vfr4bgt5nhy6mju7",
            "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "a1s2d3f4g5h6j7k8l9", "1a2b3c4d5e6f7g8h9i", "qweasdzxc", "!@#$%^&*()"]
    for row in rows:
        for text in (row, row[::-1]):
            for start in range(len(text)):
                for end in range(start + 6, min(len(text), start + 20) + 1):
                    yield text[start:end]


def repeats():
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789!*.":
        for n in range(6, 21):
            yield ch * n
    for unit in ["12", "123", "1234", "ab", "abc", "abcd", "qwe", "asd", "xo", "69", "01", "00", "11", "pass", "love", "haha", "lol"]:
        for n in range(2, 11):
            yield unit * n


BASE_WORDS = ["password", "passw0rd", "p@ssword", "p@ssw0rd", "pa55word", "qwerty", "letmein", "iloveyou", "welcome",
              "admin", "administrator", "changeme", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
              "master", "shadow", "trustno1", "superman", "batman", "starwars", "whatever", "freedom", "secret",
              "login", "access", "hello", "summer", "winter", "spring", "autumn", "default", "guest", "test", "user",
              "root", "qazwsx", "asdfgh", "zxcvbn", "abc", "abcd", "abcdef", "iloveu", "mypassword", "newpassword",
              "science", "research", "neuro", "brain", "neuroscience", "laboratory", "student", "professor", "university"]
SUFFIXES = ([str(i) for i in range(100)] + [f"{i:02d}" for i in range(10)] + [str(y) for y in range(1950, 2036)]
            + ["123", "1234", "12345", "123456", "1234567", "12345678", "123456789", "1234567890", "!", "!!", "1!", "123!",
               "@123", "#1", "?", ".", "007", "69", "420", "666", "777", "321", "4321", "54321", "000", "111", "2000!"])


def base_words():
    for word in BASE_WORDS:
        for suffix in SUFFIXES:
            yield word + suffix
            yield suffix + word


def dates():
    for year in range(1950, 2036):
        yield str(year) * 2
        for month in range(1, 13):
            for day in (1, 10, 15, 20, 28):
                yield f"{day:02d}{month:02d}{year}"
                yield f"{month:02d}{day:02d}{year}"
                yield f"{year}{month:02d}{day:02d}"


def main():
    seen = {}
    for source in (openwall(), walks(), repeats(), base_words(), dates()):
        for entry in source:
            entry = entry.strip().lower()
            if len(entry) >= 4:
                seen.setdefault(entry, None)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(seen) + "\n", encoding="utf-8")
    print(f"{len(seen)} entries -> {OUT}")


if __name__ == "__main__":
    main()
