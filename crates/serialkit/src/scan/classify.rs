//! Deny-by-default classification of the globals a pickle names.
//!
//! A global is `(module, qualname)`; a loader imports `module` and walks
//! `qualname` attribute by attribute. So a name is dangerous when the
//! dotted name `module.qualname`, or any attribute chain at the end of the
//! qualname (`pathlib` + `os.system` reaches `os.system` through
//! `pathlib.os`), falls under an entry of the dangerous list. Entries match
//! at dotted boundaries: `asyncio` covers `asyncio.unix_events.x` but not
//! `asyncio_extras`. A name is safe only when `module.qualname` is exactly
//! on the safe list; everything else is suspicious.

/// How much a global or call is to be feared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Safe,
    Suspicious,
    Dangerous,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Safe => "safe",
            Severity::Suspicious => "suspicious",
            Severity::Dangerous => "dangerous",
        }
    }
}

/// Dotted prefixes whose use runs code, touches files, processes or the
/// network, or loads further pickles.
const DANGEROUS: &[(&str, &str)] = &[
    ("os", "runs commands and touches files"),
    ("posix", "runs commands and touches files"),
    ("nt", "runs commands and touches files"),
    ("_posixsubprocess", "spawns processes"),
    ("subprocess", "spawns processes"),
    ("commands", "runs shell commands (Python 2)"),
    ("popen2", "runs shell commands (Python 2)"),
    ("platform.popen", "runs shell commands"),
    ("pty", "spawns processes"),
    ("builtins.eval", "evaluates code"),
    ("builtins.exec", "executes code"),
    ("builtins.execfile", "executes code"),
    ("builtins.compile", "compiles code"),
    ("builtins.open", "opens files"),
    ("builtins.file", "opens files"),
    ("builtins.getattr", "reaches any attribute"),
    ("builtins.setattr", "changes any attribute"),
    ("builtins.delattr", "changes any attribute"),
    ("builtins.__import__", "imports any module"),
    ("builtins.breakpoint", "starts a debugger"),
    ("builtins.input", "reads from the terminal"),
    ("builtins.globals", "exposes interpreter state"),
    ("builtins.locals", "exposes interpreter state"),
    ("builtins.vars", "exposes interpreter state"),
    ("builtins.help", "starts an interactive pager"),
    ("builtins.exit", "stops the interpreter"),
    ("builtins.quit", "stops the interpreter"),
    ("__builtin__", "Python 2 builtins"),
    ("__builtins__", "builtins"),
    ("importlib", "imports any module"),
    ("imp", "imports any module"),
    ("zipimport", "imports any module"),
    ("pkgutil", "resolves and imports any name"),
    ("pydoc", "resolves any name and runs pagers"),
    ("operator", "calls methods and reaches attributes"),
    ("_operator", "calls methods and reaches attributes"),
    ("functools", "calls arbitrary functions"),
    ("runpy", "runs modules and scripts"),
    ("ctypes", "calls native code"),
    ("_ctypes", "calls native code"),
    ("marshal", "loads code objects"),
    ("types", "builds code and function objects"),
    ("pickle", "nested pickle loader"),
    ("_pickle", "nested pickle loader"),
    ("cPickle", "nested pickle loader"),
    ("dill", "nested pickle loader"),
    ("cloudpickle", "nested pickle loader"),
    ("shelve", "nested pickle loader"),
    ("torch.load", "nested pickle loader"),
    ("torch.serialization.load", "nested pickle loader"),
    ("torch.serialization._load", "nested pickle loader"),
    ("torch.hub", "downloads and runs code"),
    ("torch.jit.load", "loads TorchScript code"),
    ("numpy.load", "nested pickle loader"),
    ("numpy.lib.npyio", "nested pickle loader"),
    ("numpy.testing", "numpy.testing runs code (runstring)"),
    ("joblib.load", "nested pickle loader"),
    ("socket", "opens network connections"),
    ("_socket", "opens network connections"),
    ("urllib", "opens network connections"),
    ("urllib2", "opens network connections"),
    ("httplib", "opens network connections"),
    ("http", "opens network connections"),
    ("ftplib", "opens network connections"),
    ("smtplib", "opens network connections"),
    ("telnetlib", "opens network connections"),
    ("xmlrpc", "opens network connections"),
    ("requests", "opens network connections"),
    ("ssl", "opens network connections"),
    ("webbrowser", "opens a browser"),
    ("shutil", "copies and removes files"),
    ("tempfile", "creates files"),
    ("io.open", "opens files"),
    ("io.FileIO", "opens files"),
    ("_io.open", "opens files"),
    ("_io.FileIO", "opens files"),
    ("codecs.open", "opens files"),
    ("code", "runs an interactive interpreter"),
    ("codeop", "compiles code"),
    ("bdb", "debugger: runs code"),
    ("pdb", "debugger: runs code"),
    ("timeit", "runs code"),
    ("cProfile", "runs code"),
    ("profile", "runs code"),
    ("trace", "runs code"),
    ("doctest", "runs code"),
    ("idlelib", "runs code"),
    ("pip", "installs and runs packages"),
    ("setuptools", "installs and runs packages"),
    ("distutils", "runs build commands"),
    ("venv", "creates environments and runs pip"),
    ("ensurepip", "installs and runs pip"),
    ("site", "changes the import system"),
    ("sys", "interpreter internals"),
    ("signal", "signal handlers"),
    ("gc", "interpreter internals"),
    ("asyncio", "spawns processes and opens connections"),
    ("multiprocessing", "spawns processes"),
    ("concurrent", "runs functions in workers"),
    ("threading", "runs functions in threads"),
    ("_thread", "runs functions in threads"),
    ("thread", "runs functions in threads (Python 2)"),
    ("logging.config", "runs configuration servers"),
    ("logging.FileHandler", "opens files"),
    ("logging.handlers", "opens files and connections"),
    ("logging.basicConfig", "opens files"),
    ("copyreg.add_extension", "rewires EXT codes to any global"),
    ("copyreg.remove_extension", "rewires EXT codes"),
    ("copyreg._inverted_registry", "rewires EXT codes"),
    ("copyreg._extension_registry", "rewires EXT codes"),
    // Standard-library functions that run commands, published as
    // picklescan bypasses (GHSA-g38g-8gr9-h9xp and others).
    ("uuid._get_command_stdout", "runs commands"),
    ("uuid._popen", "runs commands"),
    (
        "imaplib",
        "runs commands (IMAP4_stream) and opens connections",
    ),
    ("poplib", "opens network connections"),
    ("nntplib", "opens network connections"),
    ("smtpd", "opens network connections"),
    ("socketserver", "opens network servers"),
    ("asyncore", "opens network connections"),
    ("asynchat", "opens network connections"),
    ("_pyrepl", "runs pagers and code"),
    ("_osx_support", "runs commands"),
    ("_aix_support", "runs commands"),
    ("mailcap", "runs commands"),
    ("pipes", "runs shell commands"),
    ("antigravity", "opens a browser"),
    (
        "test.support",
        "the test suite's helpers run code and processes",
    ),
    ("test.libregrtest", "runs the test suite"),
    ("lib2to3", "loads pickled grammars and evaluates code"),
    ("sqlite3", "creates and changes database files"),
    ("tarfile", "reads and extracts archives onto the disk"),
    ("zipfile", "reads and extracts archives onto the disk"),
    // numpy, torch and other libraries: gadgets published in 2025.
    ("numpy.f2py", "evaluates code"),
    ("numpy.distutils", "runs build commands"),
    ("numpy.ctypeslib", "loads native libraries"),
    ("torch._inductor", "compiles and loads code"),
    ("torch._dynamo", "evaluates guard code"),
    ("torch.fx", "evaluates code"),
    ("torch.jit", "compiles and runs TorchScript code"),
    ("torch.utils.bottleneck", "runs profilers over code"),
    ("torch.utils.collect_env", "runs commands"),
    ("torch.utils.data.datapipes", "nested pickle loaders"),
    ("torch.utils._config_module", "loads pickled configuration"),
    (
        "torch.utils.cpp_extension",
        "compiles and loads native code",
    ),
    ("torch.package", "imports packaged code"),
    ("torch.distributed", "remote calls and connections"),
    ("torch.testing", "runs code"),
    ("cffi", "loads native libraries"),
    ("pandas.read_pickle", "nested pickle loader"),
    ("pandas.io.pickle", "nested pickle loader"),
    ("jsonpickle", "nested object loader"),
    ("yaml.load", "constructs arbitrary objects"),
    ("yaml.unsafe_load", "constructs arbitrary objects"),
    ("yaml.full_load", "constructs objects"),
    ("aiohttp", "opens network connections"),
    ("httpx", "opens network connections"),
    ("websocket", "opens network connections"),
    ("websockets", "opens network connections"),
    ("paramiko", "opens SSH connections and runs remote commands"),
    ("pexpect", "spawns processes"),
    ("sh", "runs commands"),
    ("plumbum", "runs commands"),
];

/// Exact dotted names of plain value types and the rebuild functions of
/// torch and numpy.
const SAFE: &[&str] = &[
    "builtins.int",
    "builtins.float",
    "builtins.complex",
    "builtins.bool",
    "builtins.str",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.list",
    "builtins.tuple",
    "builtins.dict",
    "builtins.set",
    "builtins.frozenset",
    "builtins.slice",
    "builtins.range",
    "builtins.object",
    "builtins.NoneType",
    "builtins.Ellipsis",
    "builtins.NotImplemented",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "array.array",
    "array._array_reconstructor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_nested_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._tensor._rebuild_from_type_v2",
    "torch.Tensor",
    "torch.Size",
    "torch.device",
    "torch.nn.parameter.Parameter",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.storage._TypedStorage",
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.ma.core._mareconstruct",
    "joblib.numpy_pickle.NumpyArrayWrapper",
];

const TORCH_DTYPES: &[&str] = &[
    "float16",
    "float32",
    "float64",
    "bfloat16",
    "half",
    "float",
    "double",
    "complex32",
    "complex64",
    "complex128",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "short",
    "int",
    "long",
    "bool",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "float8_e4m3fn",
    "float8_e5m2",
    "uint16",
    "uint32",
    "uint64",
];

const NUMPY_SCALARS: &[&str] = &[
    "bool_",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "longdouble",
    "complex64",
    "complex128",
    "clongdouble",
    "str_",
    "bytes_",
    "void",
    "datetime64",
    "timedelta64",
];

/// Whether `name` is `prefix` or lies under it at a dotted boundary.
fn under(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn dangerous(name: &str) -> Option<&'static str> {
    DANGEROUS
        .iter()
        .find(|(prefix, _)| under(name, prefix))
        .map(|&(_, why)| why)
}

fn safe(module: &str, qualname: &str) -> bool {
    let full = format!("{module}.{qualname}");
    if SAFE.contains(&full.as_str()) {
        return true;
    }
    match module {
        // torch.FloatStorage, torch.cuda.HalfStorage, ...
        "torch" | "torch.cuda" if qualname.ends_with("Storage") && !qualname.contains('.') => {
            qualname.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        "torch" => TORCH_DTYPES.contains(&qualname),
        "numpy" => NUMPY_SCALARS.contains(&qualname),
        "numpy.dtypes" => qualname.ends_with("DType") && !qualname.contains('.'),
        _ => false,
    }
}

/// Classifies the global `module.qualname`, with the reason.
pub fn classify(module: &str, qualname: &str) -> (Severity, String) {
    let full = format!("{module}.{qualname}");
    if let Some(why) = dangerous(&full) {
        return (Severity::Dangerous, format!("{full}: {why}"));
    }
    // Attribute chains inside the qualname: `a.b.c` of module m also
    // reaches whatever `b.c` and `c` name if m.a is a module.
    let parts: Vec<&str> = qualname.split('.').collect();
    for start in 0..parts.len() {
        let chain = parts[start..].join(".");
        if let Some(why) = dangerous(&chain) {
            return (
                Severity::Dangerous,
                format!("{full} reaches {chain} through attributes: {why}"),
            );
        }
    }
    if safe(module, qualname) {
        return (
            Severity::Safe,
            "known safe value type or rebuild function".into(),
        );
    }
    (Severity::Suspicious, "not on the known-safe list".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(classify("os", "system").0, Severity::Dangerous);
        assert_eq!(classify("posix", "system").0, Severity::Dangerous);
        assert_eq!(classify("pathlib", "os.system").0, Severity::Dangerous);
        assert_eq!(classify("asyncio.unix_events", "x").0, Severity::Dangerous);
        assert_eq!(classify("builtins", "eval").0, Severity::Dangerous);
        assert_eq!(classify("functools", "partial").0, Severity::Dangerous);
        assert_eq!(classify("pip", "main").0, Severity::Dangerous);
        assert_eq!(classify("torch", "load").0, Severity::Dangerous);
        assert_eq!(classify("osx", "thing").0, Severity::Suspicious);
        assert_eq!(classify("collections", "OrderedDict").0, Severity::Safe);
        assert_eq!(classify("torch", "FloatStorage").0, Severity::Safe);
        assert_eq!(classify("torch", "float32").0, Severity::Safe);
        assert_eq!(
            classify("torch._utils", "_rebuild_tensor_v2").0,
            Severity::Safe
        );
        assert_eq!(classify("builtins", "set").0, Severity::Safe);
        assert_eq!(classify("mymodule", "Thing").0, Severity::Suspicious);
        // Published bypasses of list-based scanners.
        assert_eq!(classify("copyreg", "add_extension").0, Severity::Dangerous);
        assert_eq!(
            classify("uuid", "_get_command_stdout").0,
            Severity::Dangerous
        );
        assert_eq!(classify("uuid", "UUID").0, Severity::Safe);
        assert_eq!(
            classify("torch.utils.bottleneck.__main__", "run_cprofile").0,
            Severity::Dangerous
        );
        assert_eq!(
            classify("numpy.f2py.crackfortran", "myeval").0,
            Severity::Dangerous
        );
        assert_eq!(classify("logging", "FileHandler").0, Severity::Dangerous);
        assert_eq!(classify("logging", "getLogger").0, Severity::Suspicious);
        // A prefix matches at dotted boundaries only.
        assert_eq!(classify("shelf", "x").0, Severity::Suspicious);
        assert_eq!(classify("testing", "x").0, Severity::Suspicious);
    }
}
