//! `serialkit inspect` on a `.pyc` file python3 compiles, and `serialkit
//! convert` between marshal data and JSON, run as a user would.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_serialkit");

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("marshal-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn python(code: &str, dir: &Path) {
    let output = Command::new("python3")
        .args(["-c", code])
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("serialkit runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn inspect_shows_pyc_header_and_code_tree() {
    let dir = scratch("inspect");
    let source = dir.join("greet.py");
    fs::write(
        &source,
        "GREETING = 'hello'\n\ndef greet(name, *, loud=False):\n    return GREETING + name\n",
    )
    .unwrap();
    python(
        "import py_compile, sys, os; d = sys.argv[1]; \
         py_compile.compile(os.path.join(d, 'greet.py'), cfile=os.path.join(d, 'greet.pyc')); \
         py_compile.compile(os.path.join(d, 'greet.py'), cfile=os.path.join(d, 'hashed.pyc'), \
         invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)",
        &dir,
    );
    let pyc = dir.join("greet.pyc");
    let output = run(&["inspect", pyc.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(shown.contains("magic:  "), "{shown}");
    assert!(shown.contains("(Python 3."), "{shown}");
    assert!(shown.contains("source: mtime "), "{shown}");
    assert!(shown.contains("code <module>"), "{shown}");
    assert!(shown.contains("names: GREETING, greet"), "{shown}");
    assert!(shown.contains("code greet (qualname greet)"), "{shown}");
    assert!(shown.contains("keyword-only 1"), "{shown}");
    assert!(
        shown.contains("locals, cells and free variables: name, loud"),
        "{shown}"
    );

    let hashed = dir.join("hashed.pyc");
    let output = run(&["inspect", hashed.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("(checked)"));

    let output = run(&["inspect", "--format", "json", pyc.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json = text(&output.stdout);
    assert!(json.contains("\"co_name\": \"greet\""), "{json}");
}

#[test]
fn truncated_pyc_is_a_clean_error() {
    let dir = scratch("truncated");
    fs::write(dir.join("m.py"), "x = [1, 2, 3]\n").unwrap();
    python(
        "import py_compile, sys, os; d = sys.argv[1]; \
         py_compile.compile(os.path.join(d, 'm.py'), cfile=os.path.join(d, 'm.pyc'))",
        &dir,
    );
    let data = fs::read(dir.join("m.pyc")).unwrap();
    let cut = dir.join("cut.pyc");
    fs::write(&cut, &data[..data.len() - 5]).unwrap();
    let output = run(&["inspect", cut.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = text(&output.stderr);
    assert!(message.contains("cut.pyc:byte "), "{message}");
    assert!(
        message.contains("EOF read where object expected")
            || message.contains("marshal data too short"),
        "{message}"
    );
}

#[test]
fn marshal_converts_to_json_and_back() {
    let dir = scratch("convert");
    python(
        "import marshal, sys, os; d = sys.argv[1]; \
         data = {'name': 'ada', 'pair': (1, 2.5), 'raw': b'\\x00\\xff', 'big': 2**70, 'set': frozenset({3})}; \
         open(os.path.join(d, 'x.marshal'), 'wb').write(marshal.dumps(data))",
        &dir,
    );
    let input = dir.join("x.marshal");
    let json = dir.join("x.json");
    let output = run(&["convert", input.to_str().unwrap(), json.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = fs::read_to_string(&json).unwrap();
    assert!(written.contains("\"name\": \"ada\""), "{written}");
    assert!(written.contains("$tuple"), "{written}");

    let back = dir.join("back.marshal");
    let output = run(&["convert", json.to_str().unwrap(), back.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    python(
        "import marshal, sys, os; d = sys.argv[1]; \
         a = marshal.load(open(os.path.join(d, 'x.marshal'), 'rb')); \
         b = marshal.load(open(os.path.join(d, 'back.marshal'), 'rb')); \
         assert a == b, (a, b)",
        &dir,
    );
}

/// `.pyc` files of every Python 3.8+ installed beside python3 (pyenv keeps
/// several): the header names the version and the code tree reads in that
/// version's layout. Only versions found are checked; python3's own is
/// always among them.
#[test]
fn inspect_reads_pycs_of_other_python_versions() {
    let dir = scratch("versions");
    fs::write(
        dir.join("m.py"),
        "def f(a, *, b=1):\n    x = a\n    return x + b\n",
    )
    .unwrap();
    let mut interpreters = vec!["python3".to_owned()];
    if let Ok(home) = std::env::var("HOME") {
        if let Ok(versions) = fs::read_dir(Path::new(&home).join(".pyenv/versions")) {
            for version in versions.flatten() {
                let python = version.path().join("bin/python3");
                if python.exists() {
                    interpreters.push(python.display().to_string());
                }
            }
        }
    }
    let mut checked = 0;
    for python in interpreters {
        let output = Command::new(&python)
            .args([
                "-c",
                "import py_compile, sys, os; d = sys.argv[1]; \
                 v = '%d%d' % sys.version_info[:2]; \
                 print(sys.version_info[0] * 100 + sys.version_info[1]); \
                 py_compile.compile(os.path.join(d, 'm.py'), cfile=os.path.join(d, 'm' + v + '.pyc'))",
            ])
            .arg(&dir)
            .output()
            .expect("python runs");
        if !output.status.success() {
            continue;
        }
        let version: u32 = text(&output.stdout).trim().parse().unwrap();
        if version < 308 {
            continue;
        }
        let pyc = dir.join(format!("m{}{}.pyc", version / 100, version % 100));
        let output = run(&["inspect", pyc.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{python}: {}",
            text(&output.stderr)
        );
        let shown = text(&output.stdout);
        let expected = format!("(Python {}.{})", version / 100, version % 100);
        assert!(shown.contains(&expected), "{python}: {shown}");
        assert!(shown.contains("code f"), "{python}: {shown}");
        assert!(shown.contains("keyword-only 1"), "{python}: {shown}");
        if version >= 311 {
            assert!(
                shown.contains("locals, cells and free variables: a, b, x"),
                "{shown}"
            );
        } else {
            assert!(shown.contains("locals (3): a, b, x"), "{shown}");
        }
        checked += 1;
    }
    assert!(checked >= 1);
}

/// The golden files Python 3.14 wrote (tests/marshal314, from
/// make_golden.py), checked with whatever python3 is at hand.
fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/marshal314")
}

fn checker(command: &str, dir: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/marshalgolden.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(command)
        .arg(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{command}: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Every version 5 vector converts to pickle, which python3 (of any
/// version: slices become a stand-in) reads back to the value the vector
/// stands for, sharing included; and through JSON back to marshal, which
/// the core writes as version 5 and reads back to the same value.
#[test]
fn version_5_golden_vectors_convert() {
    let dir = scratch("golden");
    checker("write-marshal", &dir);
    let direct = dir.join("direct");
    let round = dir.join("round");
    fs::create_dir_all(&direct).unwrap();
    fs::create_dir_all(&round).unwrap();
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "marshal"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for input in &names {
        let stem = input.file_stem().unwrap().to_str().unwrap();
        let convert = |from: &Path, to: &Path| {
            let output = run(&["convert", from.to_str().unwrap(), to.to_str().unwrap()]);
            assert!(output.status.success(), "{stem}: {}", text(&output.stderr));
        };
        convert(input, &direct.join(format!("{stem}.pickle")));
        let json = dir.join(format!("{stem}.json"));
        let again = dir.join(format!("{stem}.again.marshal"));
        convert(input, &json);
        convert(&json, &again);
        convert(&again, &round.join(format!("{stem}.pickle")));
    }
    checker("check-pickles", &direct);
    checker("check-pickles", &round);
}

/// `.pyc` files compiled by Python 3.14 (slice constants, version 5) are
/// inspected on any Python.
#[test]
fn inspect_reads_pycs_of_python_3_14() {
    let dir = golden_dir();
    let output = run(&["inspect", dir.join("sample.pyc").to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(shown.contains("magic:  3627 (Python 3.14)"), "{shown}");
    assert!(shown.contains("(unchecked)"), "{shown}");
    assert!(shown.contains("code <module>"), "{shown}");
    assert!(
        shown.contains("names: __doc__, LIMIT, head, Window, counter, safe_ratio"),
        "{shown}"
    );
    assert!(shown.contains("0: slice(None, 3, None)"), "{shown}");
    assert!(shown.contains("1: slice(1, 2, None)"), "{shown}");
    assert!(shown.contains("2: slice(None, None, 2)"), "{shown}");
    assert!(
        shown.contains("code middle (qualname Window.middle)"),
        "{shown}"
    );
    assert!(shown.contains("(OPTIMIZED, NEWLOCALS, METHOD)"), "{shown}");
    assert!(
        shown.contains("code add (qualname counter.<locals>.add)"),
        "{shown}"
    );
    assert!(shown.contains("exception table "), "{shown}");

    let output = run(&["inspect", dir.join("sample_hash.pyc").to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("(checked)"));
}
