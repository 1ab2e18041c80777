//! `serialkit::scan` on joblib files written here in joblib's layout: a
//! pickle whose numpy arrays are written between its opcodes, right after
//! the BUILD of each array's `NumpyArrayWrapper`, and joblib's zlib and
//! gzip compression around the whole.

use serialkit::scan::{scan_bytes, Report, Severity};

const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";

fn text(out: &mut Vec<u8>, value: &str) {
    out.push(0x8c); // SHORT_BINUNICODE
    out.push(value.len() as u8);
    out.extend_from_slice(value.as_bytes());
}

fn global(out: &mut Vec<u8>, module: &str, name: &str) {
    out.extend_from_slice(format!("c{module}\n{name}\n").as_bytes());
}

fn int(out: &mut Vec<u8>, value: u8) {
    out.extend_from_slice(&[b'K', value]); // BININT1
}

/// How the wrapper of one array is written.
struct Array<'a> {
    dtype: &'a str,
    shape: &'a [u8],
    /// joblib 1.2 and later: the state records the alignment, and numeric
    /// data comes after a padding-length byte and the padding.
    aligned: bool,
    /// The bytes joblib writes after the wrapper: raw data, or a pickle
    /// for object arrays.
    data: &'a [u8],
}

/// `NumpyArrayWrapper` with its state, as joblib's pickler writes it
/// (protocol 4, so `numpy.dtype` is made by REDUCE and filled by BUILD),
/// followed by the array's bytes.
fn wrapper(out: &mut Vec<u8>, array: &Array<'_>) {
    global(out, "joblib.numpy_pickle", "NumpyArrayWrapper");
    out.extend_from_slice(b")\x81"); // EMPTY_TUPLE NEWOBJ
    out.extend_from_slice(b"}("); // EMPTY_DICT MARK
    text(out, "subclass");
    global(out, "numpy", "ndarray");
    text(out, "shape");
    out.push(b'(');
    for &dim in array.shape {
        int(out, dim);
    }
    out.push(b't');
    text(out, "order");
    text(out, "C");
    text(out, "dtype");
    global(out, "numpy", "dtype");
    text(out, array.dtype);
    out.extend_from_slice(b"\x89\x88\x87R"); // False True TUPLE3 REDUCE
    out.push(b'(');
    int(out, 3);
    text(out, "<");
    out.extend_from_slice(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xff");
    int(out, 0);
    out.extend_from_slice(b"tb"); // TUPLE BUILD
    text(out, "allow_mmap");
    out.push(0x88);
    if array.aligned {
        text(out, "numpy_array_alignment_bytes");
        int(out, 16);
    }
    out.extend_from_slice(b"ub"); // SETITEMS BUILD
                                  // Object arrays are pickled, without padding.
    if array.aligned && !array.dtype.starts_with('O') {
        let padding = 16 - (out.len() + 1) % 16;
        out.push(padding as u8);
        out.extend(std::iter::repeat_n(0xff, padding));
    }
    out.extend_from_slice(array.data);
}

/// `[array, ..., tail...]` as a joblib file: the arrays in a list, then
/// whatever `tail` appends to it.
fn joblib_file(arrays: &[Array<'_>], tail: &[u8]) -> Vec<u8> {
    let mut out = b"\x80\x04]".to_vec();
    for array in arrays {
        out.push(b'(');
        wrapper(&mut out, array);
        out.push(b'e'); // APPENDS
    }
    out.extend_from_slice(tail);
    out.push(b'.');
    out
}

fn numbers(count: u8) -> Vec<u8> {
    (0..count)
        .flat_map(|i| u64::from(i).to_le_bytes())
        .collect()
}

fn flagged(report: &Report) -> Vec<(&str, Severity)> {
    report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Safe)
        .map(|f| (f.name.as_str(), f.severity))
        .collect()
}

#[test]
fn numeric_arrays_are_skipped_and_the_file_is_clean() {
    let data = numbers(6);
    let file = joblib_file(
        &[
            Array {
                dtype: "i8",
                shape: &[2, 3],
                aligned: true,
                data: &data,
            },
            Array {
                dtype: "f4",
                shape: &[3],
                aligned: false,
                data: &[0; 12],
            },
            Array {
                dtype: "f8",
                shape: &[],
                aligned: true,
                data: &[0; 8],
            },
        ],
        b"",
    );
    let report = scan_bytes("model.joblib", &file);
    assert!(flagged(&report).is_empty(), "{report:#?}");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(report.exit_status(true), 0);
}

#[test]
fn array_bytes_that_look_like_opcodes_are_data() {
    // joblib reads these 32 bytes as array data, never as opcodes.
    let mut data = OS_SYSTEM.to_vec();
    data.resize(32, b'.');
    let file = joblib_file(
        &[Array {
            dtype: "u1",
            shape: &[32],
            aligned: true,
            data: &data,
        }],
        b"",
    );
    let report = scan_bytes("x.joblib", &file);
    assert!(flagged(&report).is_empty(), "{report:#?}");
    assert_eq!(report.exit_status(true), 0);
}

#[test]
fn payload_after_the_arrays_is_found_at_its_file_offset() {
    let data = numbers(4);
    let payload = b"cos\nsystem\n\x8c\x02idK\x01\x85R\x94e";
    let file = joblib_file(
        &[Array {
            dtype: "i8",
            shape: &[4],
            aligned: true,
            data: &data,
        }],
        payload,
    );
    let report = scan_bytes("x.joblib", &file);
    let finding = report
        .findings
        .iter()
        .find(|f| f.name == "os.system")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(finding.severity, Severity::Dangerous);
    let at = memchr::memmem::find(&file, b"cos\nsystem").unwrap();
    assert_eq!(finding.offset, at);
    assert_eq!(report.exit_status(false), 1);
}

#[test]
fn object_arrays_are_pickles_and_are_scanned() {
    let file = joblib_file(
        &[Array {
            dtype: "O8",
            shape: &[1],
            aligned: true,
            data: OS_SYSTEM,
        }],
        b"",
    );
    let report = scan_bytes("x.joblib", &file);
    let finding = report
        .findings
        .iter()
        .find(|f| f.name == "os.system")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(finding.offset, file.len() - 2 - OS_SYSTEM.len());
    assert_eq!(report.exit_status(false), 1);
}

#[test]
fn truncated_array_data_is_an_error() {
    let file = joblib_file(
        &[Array {
            dtype: "f8",
            shape: &[200],
            aligned: false,
            data: &[0; 16],
        }],
        b"",
    );
    let report = scan_bytes("x.joblib", &file);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.message.contains("truncated")),
        "{report:#?}"
    );
    assert_eq!(report.exit_status(false), 2);
}

#[test]
fn zlib_and_gzip_compressed_joblib_files() {
    let data = numbers(3);
    let file = joblib_file(
        &[Array {
            dtype: "i8",
            shape: &[3],
            aligned: true,
            data: &data,
        }],
        b"",
    );
    let zlib = miniz_oxide::deflate::compress_to_vec_zlib(&file, 3);
    let report = scan_bytes("x.joblib", &zlib);
    assert!(flagged(&report).is_empty(), "{report:#?}");
    assert_eq!(report.exit_status(true), 0, "{report:#?}");

    let malicious = miniz_oxide::deflate::compress_to_vec_zlib(OS_SYSTEM, 3);
    let report = scan_bytes("x.joblib", &malicious);
    assert_eq!(report.exit_status(false), 1, "{report:#?}");
    assert_eq!(report.findings[0].member.as_deref(), Some("<zlib stream>"));

    // gzip: a 10-byte header with a file name, deflate data, a trailer.
    let mut gzip = b"\x1f\x8b\x08\x08\0\0\0\0\0\xffx.pkl\0".to_vec();
    gzip.extend(miniz_oxide::deflate::compress_to_vec(OS_SYSTEM, 3));
    gzip.extend_from_slice(&[0; 8]);
    let report = scan_bytes("x.joblib", &gzip);
    assert_eq!(report.exit_status(false), 1, "{report:#?}");

    // Compressed data that is not a pickle is unrecognised, not clean.
    let text = miniz_oxide::deflate::compress_to_vec_zlib(b"just some text", 3);
    assert_eq!(scan_bytes("x", &text).exit_status(false), 2);
}

#[test]
fn damaged_joblib_files_never_panic() {
    let data = numbers(2);
    let file = joblib_file(
        &[
            Array {
                dtype: "i8",
                shape: &[2],
                aligned: true,
                data: &data,
            },
            Array {
                dtype: "O8",
                shape: &[1],
                aligned: false,
                data: OS_SYSTEM,
            },
        ],
        b"",
    );
    for len in 0..file.len() {
        scan_bytes("x", &file[..len]);
    }
    for at in 0..file.len() {
        let mut damaged = file.clone();
        damaged[at] ^= 0xff;
        scan_bytes("x", &damaged);
    }
}
