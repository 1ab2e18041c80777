//! `serialkit::scan` on a corpus built here. The malicious samples are
//! only ever read by the scanner, which imports and calls nothing.

use serialkit::scan::{scan_bytes, FindingKind, Report, Severity};
use serialkit::Value;

const OS_SYSTEM: &[u8] = b"cos\nsystem\n(S'echo hi'\ntR.";

fn scan(data: &[u8]) -> Report {
    scan_bytes("sample", data)
}

fn dangerous_names(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Dangerous)
        .map(|f| f.name.clone())
        .collect()
}

#[track_caller]
fn assert_dangerous(data: &[u8], name: &str) -> Report {
    let report = scan(data);
    let names = dangerous_names(&report);
    assert!(
        names.iter().any(|n| n == name),
        "{name} not flagged dangerous: {report:#?}"
    );
    assert_eq!(report.exit_status(false), 1, "{report:#?}");
    report
}

#[track_caller]
fn assert_clean(data: &[u8]) -> Report {
    let report = scan(data);
    let flagged: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Safe)
        .collect();
    assert!(flagged.is_empty(), "flagged: {flagged:#?}");
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert!(report.unrecognised.is_empty());
    assert_eq!(report.exit_status(true), 0);
    report
}

/// A protocol 4 pickle calling `module.qualname(arg)` by STACK_GLOBAL.
fn stack_global_call(module: &str, qualname: &str, arg: &str) -> Vec<u8> {
    let mut out = b"\x80\x04".to_vec();
    for text in [module, qualname] {
        out.push(0x8c);
        out.push(text.len() as u8);
        out.extend_from_slice(text.as_bytes());
    }
    out.push(0x93);
    out.push(0x8c);
    out.push(arg.len() as u8);
    out.extend_from_slice(arg.as_bytes());
    out.extend_from_slice(b"\x85R.");
    out
}

#[test]
fn os_system_reduce() {
    let report = assert_dangerous(OS_SYSTEM, "os.system");
    let call = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Call)
        .expect("the call is reported");
    assert_eq!(call.severity, Severity::Dangerous);
    assert_eq!(call.offset, OS_SYSTEM.len() - 2);
    let import = &report.findings[0];
    assert_eq!((import.kind, import.offset), (FindingKind::Import, 0));
}

#[test]
fn stack_global_through_memo() {
    // 'os' and 'system' are memoized, popped, and fetched back.
    let pickle = b"\x80\x04\x8c\x02os\x940\x8c\x06system\x940h\x00h\x01\x93\x8c\x02id\x85R.";
    assert_dangerous(pickle, "os.system");
}

#[test]
fn stack_global_from_protocol_0_strings() {
    assert_dangerous(b"\x80\x04S'os'\nS'system'\n\x93(S'id'\ntR.", "os.system");
    assert_dangerous(b"\x80\x04Vposix\nVsystem\n\x93(Vid\ntR.", "posix.system");
}

#[test]
fn dotted_attribute_chains_and_submodules() {
    assert_dangerous(
        &stack_global_call("pathlib", "os.system", "id"),
        "pathlib.os.system",
    );
    assert_dangerous(
        &stack_global_call("asyncio.unix_events", "_UnixSubprocessTransport", "id"),
        "asyncio.unix_events._UnixSubprocessTransport",
    );
    assert_dangerous(&stack_global_call("builtins", "eval", "1"), "builtins.eval");
    // Python 2 names are mapped as the loader maps them.
    assert_dangerous(b"c__builtin__\neval\n(S'1'\ntR.", "builtins.eval");
}

#[test]
fn known_2025_bypasses() {
    assert_dangerous(
        b"cfunctools\npartial\n(cos\nsystem\nS'id'\ntR(tR.",
        "functools.partial",
    );
    assert_dangerous(b"cpip\nmain\n((S'install'\nS'x'\nltR.", "pip.main");
    assert_dangerous(&stack_global_call("torch", "load", "x"), "torch.load");
}

#[test]
fn concatenated_pickles() {
    let mut data = b"\x80\x02K\x01.".to_vec();
    data.extend_from_slice(OS_SYSTEM);
    assert_dangerous(&data, "os.system");
}

#[test]
fn payload_before_truncated_tail() {
    let report = assert_dangerous(b"cos\nsystem\n(S'id'\ntR(S'unterminated", "os.system");
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    let mut malformed = OS_SYSTEM[..OS_SYSTEM.len() - 1].to_vec();
    malformed.push(0xff);
    assert_dangerous(&malformed, "os.system");
}

#[test]
fn pickle_nested_in_bytes() {
    let inner = stack_global_call("subprocess", "getoutput", "id");
    let mut outer = b"\x80\x04}\x8c\x04blob".to_vec();
    outer.push(b'C');
    outer.push(inner.len() as u8);
    outer.extend_from_slice(&inner);
    outer.extend_from_slice(b"s.");
    let report = assert_dangerous(&outer, "subprocess.getoutput");
    let finding = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Dangerous)
        .unwrap();
    assert!(finding.reason.contains("nested"), "{finding:?}");
    // The offset is that of the inner STACK_GLOBAL in the file.
    assert_eq!(finding.offset, 11 + 2 + 12 + 11);
}

struct ZipMember<'a> {
    local_name: &'a str,
    central_name: &'a str,
    data: &'a [u8],
    crc: u32,
    flags: u16,
    deflate: bool,
}

fn member<'a>(name: &'a str, data: &'a [u8]) -> ZipMember<'a> {
    ZipMember {
        local_name: name,
        central_name: name,
        data,
        crc: 0,
        flags: 0,
        deflate: false,
    }
}

fn deflated<'a>(name: &'a str, data: &'a [u8]) -> ZipMember<'a> {
    ZipMember {
        deflate: true,
        ..member(name, data)
    }
}

/// A zip archive, written by hand (CRCs as given, not computed).
fn zip(members: &[ZipMember<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let (method, stored) = if m.deflate {
            (8u16, miniz_oxide::deflate::compress_to_vec(m.data, 6))
        } else {
            (0, m.data.to_vec())
        };
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&m.flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time, date
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(m.local_name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(m.local_name.as_bytes());
        out.extend_from_slice(&stored);

        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&m.flags.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&m.crc.to_le_bytes());
        central.extend_from_slice(&(stored.len() as u32).to_le_bytes());
        central.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(m.central_name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]); // extra, comment, disk, attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(m.central_name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn zip_member_with_other_name_bad_crc_and_name_mismatch() {
    let archive = zip(&[
        member("archive/version", b"3\n"),
        ZipMember {
            local_name: "archive/data.pkl",
            central_name: "weights.bin",
            data: OS_SYSTEM,
            crc: 0xdead_beef,
            flags: 0x0808,
            deflate: false,
        },
    ]);
    let report = assert_dangerous(&archive, "os.system");
    let finding = &report.findings[0];
    assert_eq!(finding.member.as_deref(), Some("weights.bin"));
    assert!(!report.warnings.is_empty(), "name mismatch is noted");

    // Without a central directory the local headers still find it.
    let cut = memchr::memmem::find(&archive, b"PK\x01\x02").unwrap();
    assert_dangerous(&archive[..cut], "os.system");
}

fn npy(descr: &str, body: &[u8]) -> Vec<u8> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(body);
    out
}

#[test]
fn npy_object_array_and_npz() {
    let file = npy("|O", OS_SYSTEM);
    let report = assert_dangerous(&file, "os.system");
    assert_eq!(report.findings[0].offset, file.len() - OS_SYSTEM.len());
    assert_dangerous(&zip(&[member("arr_0.npy", &file)]), "os.system");
    // Plain numeric arrays hold no pickle.
    assert_clean(&npy("<f8", &[0x80, 0x02, 0, 0, 0, 0, 0, 0]));
}

#[test]
fn plain_data_at_every_protocol() {
    let value = Value::Dict(vec![
        (Value::str("a"), Value::Int(1)),
        (
            Value::str("b"),
            Value::List(vec![Value::Float(1.5), Value::str("x"), Value::None]),
        ),
        (Value::str("c"), Value::Bytes(b"\x80\x02junk".to_vec())),
    ]);
    for protocol in 2..=5 {
        let data = serialkit::pickle::write::to_vec(&value, protocol).unwrap();
        assert_clean(&data);
    }
    assert_clean(b"(dp0\nS'a'\np1\nI1\nsS'b'\np2\n(lp3\nF1.5\naVx\nas.");
    assert_clean(b"ccollections\nOrderedDict\n)R.");
}

/// torch.save's data.pkl for `OrderedDict(weight=tensor([…]))`.
const TORCH_DATA_PKL: &[u8] = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01\
X\x06\x00\x00\x00weight\
ctorch._utils\n_rebuild_tensor_v2\n(\
(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x02tQ\
K\x00K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.";

#[test]
fn torch_style_zip_is_clean() {
    let archive = zip(&[
        member("archive/data.pkl", TORCH_DATA_PKL),
        member("archive/byteorder", b"little"),
        // Tensor data that happens to start like a pickle.
        member("archive/data/0", b"\x80\x02\xff\xff\x00\x00\x80\x3f"),
        member("archive/version", b"3\n"),
    ]);
    let report = assert_clean(&archive);
    let names: Vec<_> = report.findings.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"torch._utils._rebuild_tensor_v2"),
        "{names:?}"
    );
    assert!(names.contains(&"collections.OrderedDict"), "{names:?}");
}

#[test]
fn legacy_torch_stream_is_clean() {
    let mut data = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.".to_vec();
    data.extend_from_slice(b"\x80\x02M\xe9\x03.");
    data.extend_from_slice(TORCH_DATA_PKL);
    data.extend_from_slice(b"\x80\x02]q\x00X\x01\x00\x00\x000a.");
    data.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    let report = assert_clean(&data);
    assert_eq!(report.warnings.len(), 1, "{report:#?}");
}

#[test]
fn unrecognised_is_never_clean() {
    let report = scan(b"just some text\n");
    assert_eq!(report.unrecognised, vec!["sample".to_owned()]);
    assert_eq!(report.exit_status(false), 2);
    assert_eq!(scan(b"").exit_status(false), 2);
}

#[test]
fn suspicious_counts_only_with_strict() {
    let report = scan(&stack_global_call("mymodule", "Thing", "x"));
    assert!(report.count(Severity::Suspicious) > 0);
    assert_eq!(report.exit_status(false), 0);
    assert_eq!(report.exit_status(true), 1);
}

#[test]
fn deflated_members_are_inflated_and_scanned() {
    // np.savez_compressed: every member deflated.
    let object_array = npy("|O", OS_SYSTEM);
    let numeric = npy("<f8", &[0; 8]);
    let npz = zip(&[
        deflated("numbers.npy", &numeric),
        deflated("objects.npy", &object_array),
    ]);
    let report = assert_dangerous(&npz, "os.system");
    assert_eq!(report.findings[0].member.as_deref(), Some("objects.npy"));
    // Offsets are in the inflated member.
    assert_eq!(
        report.findings[0].offset,
        object_array.len() - OS_SYSTEM.len()
    );
    assert_clean(&zip(&[deflated("numbers.npy", &numeric)]));
    // A torch archive written with compression.
    let torch = zip(&[
        deflated("archive/data.pkl", TORCH_DATA_PKL),
        deflated("archive/version", b"3\n"),
    ]);
    assert_clean(&torch);
    assert_dangerous(
        &zip(&[deflated("archive/data.pkl", OS_SYSTEM)]),
        "os.system",
    );
}

#[test]
fn other_compression_methods_and_corrupt_deflate_are_errors_not_clean() {
    let mut bzip2 = zip(&[member("data.txt", b"BZh91AY&SY")]);
    bzip2[8] = 12;
    let central = memchr::memmem::find(&bzip2, b"PK\x01\x02").unwrap();
    bzip2[central + 10] = 12;
    let report = scan(&bzip2);
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    assert!(report.errors[0].message.contains("method 12"));
    assert_eq!(report.exit_status(false), 2);

    let mut archive = zip(&[member("data.txt", b"not really deflate")]);
    // Method 8 in both headers.
    archive[8] = 8;
    let central = memchr::memmem::find(&archive, b"PK\x01\x02").unwrap();
    archive[central + 10] = 8;
    let report = scan(&archive);
    assert_eq!(report.errors.len(), 1, "{report:#?}");
    assert_eq!(report.exit_status(false), 2);
}

#[test]
fn damaged_inputs_never_panic() {
    let archive = zip(&[
        member("archive/data.pkl", TORCH_DATA_PKL),
        member("archive/x", OS_SYSTEM),
    ]);
    let npy = npy("|O", OS_SYSTEM);
    for sample in [&archive[..], &npy[..], TORCH_DATA_PKL] {
        for len in 0..sample.len() {
            scan(&sample[..len]);
        }
        for at in 0..sample.len() {
            let mut damaged = sample.to_vec();
            damaged[at] ^= 0xff;
            scan(&damaged);
        }
    }
}

#[test]
fn repeated_safe_uses_are_counted_and_dangerous_ones_each_reported() {
    // [OrderedDict(), OrderedDict(), OrderedDict()] then os.system twice.
    let mut pickle = b"\x80\x02]q\x00(".to_vec();
    for _ in 0..3 {
        pickle.extend_from_slice(b"ccollections\nOrderedDict\n)R");
    }
    pickle.extend_from_slice(b"e0");
    pickle.extend_from_slice(b"cos\nsystem\nX\x02\x00\x00\x00hi\x85R0");
    pickle.extend_from_slice(b"cos\nsystem\nX\x02\x00\x00\x00hi\x85R.");
    let report = assert_dangerous(&pickle, "os.system");
    let safe: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.name == "collections.OrderedDict")
        .collect();
    assert_eq!(safe.len(), 2, "one import and one call: {safe:#?}");
    assert!(safe
        .iter()
        .all(|f| f.count == 3 && f.severity == Severity::Safe));
    let first = memchr::memmem::find(&pickle, b"ccollections").unwrap();
    assert_eq!(safe[0].offset, first);
    let dangerous: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Dangerous)
        .collect();
    assert_eq!(
        dangerous.len(),
        4,
        "two imports and two calls: {dangerous:#?}"
    );
    assert!(dangerous.iter().all(|f| f.count == 1));
    let offsets: Vec<usize> = memchr::memmem::find_iter(&pickle, b"cos\nsystem").collect();
    let imports: Vec<usize> = dangerous
        .iter()
        .filter(|f| f.kind == FindingKind::Import)
        .map(|f| f.offset)
        .collect();
    assert_eq!(imports, offsets);
}
