//! `serialkit.scan`'s native half: the core scanner, with its report turned
//! into plain Python data for `serialkit._scan` to wrap.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serialkit::scan::{Finding, Problem, Report};
use std::path::PathBuf;

pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(scan_bytes, module)?)?;
    module.add_function(wrap_pyfunction!(scan_files, module)?)?;
    Ok(())
}

/// Scans `data` (the content of a file called `name`) without loading it.
#[pyfunction]
fn scan_bytes<'py>(py: Python<'py>, name: &str, data: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let report = serialkit::scan::scan_bytes(name, data);
    report_dict(py, &report)
}

/// Scans files, merging their reports. Reading and parsing run without
/// the GIL, so other Python threads go on meanwhile.
#[pyfunction]
fn scan_files(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Bound<'_, PyDict>> {
    let report = py.detach(|| {
        let mut merged = Report::default();
        for path in &paths {
            merged.merge(serialkit::scan::scan_file(path));
        }
        merged
    });
    report_dict(py, &report)
}

fn finding_dict<'py>(py: Python<'py>, finding: &Finding) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("file", &finding.file)?;
    dict.set_item("member", &finding.member)?;
    dict.set_item("offset", finding.offset)?;
    dict.set_item("kind", finding.kind.as_str())?;
    dict.set_item("name", &finding.name)?;
    dict.set_item("severity", finding.severity.as_str())?;
    dict.set_item("reason", &finding.reason)?;
    dict.set_item("count", finding.count)?;
    Ok(dict)
}

fn problem_dict<'py>(py: Python<'py>, problem: &Problem) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("file", &problem.file)?;
    dict.set_item("member", &problem.member)?;
    dict.set_item("offset", problem.offset)?;
    dict.set_item("message", &problem.message)?;
    Ok(dict)
}

fn report_dict<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("files", report.files)?;
    let findings = report
        .findings
        .iter()
        .map(|finding| finding_dict(py, finding))
        .collect::<PyResult<Vec<_>>>()?;
    dict.set_item("findings", PyList::new(py, findings)?)?;
    dict.set_item("unrecognised", &report.unrecognised)?;
    let problems = |list: &[Problem]| -> PyResult<Bound<'py, PyList>> {
        PyList::new(
            py,
            list.iter()
                .map(|problem| problem_dict(py, problem))
                .collect::<PyResult<Vec<_>>>()?,
        )
    };
    dict.set_item("errors", problems(&report.errors)?)?;
    dict.set_item("warnings", problems(&report.warnings)?)?;
    // The core decides the verdict, so Python and the CLI cannot disagree.
    dict.set_item("exit_status", report.exit_status(false))?;
    dict.set_item("exit_status_strict", report.exit_status(true))?;
    Ok(dict)
}
