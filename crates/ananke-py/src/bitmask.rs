//! The caller's bitmask: an int32 array of shape `[batch, words]` (or one
//! row, `[words]`) that masks are written into in place.
//!
//! Engines allocate the bitmask once (numpy, or a CPU torch tensor that
//! they move to the GPU afterwards) and pass it at every step; writing into
//! it avoids a new array per token. The abi3 build cannot use the buffer
//! protocol (in the stable ABI only from Python 3.11), so the array
//! describes itself: numpy through `__array_interface__`, torch through
//! `data_ptr()`, `shape`, `stride()`, `dtype` and `device`. Everything is
//! checked here, before the one write through the address: dtype int32,
//! one or two dimensions, rows of at least `ceil(vocab / 32)` contiguous
//! words, writable, aligned, on the CPU. This module holds the crate's only
//! `unsafe`.

use pyo3::exceptions::{PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// A checked view of the caller's bitmask.
pub(crate) struct Bitmask<'py> {
    /// Keeps the array alive while its memory is written.
    _owner: Bound<'py, PyAny>,
    address: usize,
    /// Rows (1 for a one-dimensional array).
    pub(crate) rows: usize,
    /// Words per row.
    pub(crate) words: usize,
    /// Words from one row's start to the next's.
    row_stride: usize,
}

impl<'py> Bitmask<'py> {
    /// Checks `obj` and describes its memory.
    pub(crate) fn new(obj: &Bound<'py, PyAny>) -> PyResult<Bitmask<'py>> {
        let (address, shape, strides) = if let Ok(interface) = obj.getattr("__array_interface__") {
            numpy_layout(&interface)?
        } else if obj.hasattr("data_ptr")? && obj.hasattr("device")? {
            torch_layout(obj)?
        } else {
            return Err(PyTypeError::new_err(format!(
                "the bitmask must be a numpy array or a CPU torch tensor of int32, got {}",
                type_name(obj)
            )));
        };
        let (rows, words, row_stride, word_stride) = match (shape.as_slice(), strides) {
            ([words], None) => (1, *words, *words, 1),
            ([words], Some(s)) if s.len() == 1 => (1, *words, *words, s[0]),
            ([rows, words], None) => (*rows, *words, *words, 1),
            ([rows, words], Some(s)) if s.len() == 2 => (*rows, *words, s[0], s[1]),
            (shape, _) => {
                return Err(PyValueError::new_err(format!(
                    "the bitmask must have shape [batch, words] or [words], got {} dimensions",
                    shape.len()
                )));
            }
        };
        if word_stride != 1 && words > 1 {
            return Err(PyValueError::new_err(format!(
                "the bitmask's rows must be contiguous (a stride of 1 word along the last axis, got {word_stride})"
            )));
        }
        if rows > 1 && row_stride < words {
            return Err(PyValueError::new_err(format!(
                "the bitmask's rows overlap (row stride {row_stride} words < {words} words per row)"
            )));
        }
        if address % std::mem::align_of::<i32>() != 0 {
            return Err(PyValueError::new_err(
                "the bitmask's memory is not aligned for int32",
            ));
        }
        if address == 0 && rows * words > 0 {
            return Err(PyValueError::new_err("the bitmask has no memory"));
        }
        Ok(Bitmask {
            _owner: obj.clone(),
            address,
            rows,
            words,
            row_stride,
        })
    }

    /// Checks that row `index` exists and holds `needed` words.
    pub(crate) fn check_row(&self, index: i64, needed: usize) -> PyResult<usize> {
        let row = usize::try_from(index)
            .ok()
            .filter(|r| *r < self.rows)
            .ok_or_else(|| {
                PyIndexError::new_err(format!(
                    "row {index} is outside the bitmask ({} rows)",
                    self.rows
                ))
            })?;
        if self.words < needed {
            return Err(PyValueError::new_err(format!(
                "the bitmask's rows have {} words; this vocabulary needs ceil(vocab_size / 32) = {needed}",
                self.words
            )));
        }
        Ok(row)
    }

    /// Writes `mask` into row `row` (checked with [`check_row`]), zeroing
    /// the words beyond it (ids past the vocabulary are never allowed).
    ///
    /// [`check_row`]: Bitmask::check_row
    #[allow(unsafe_code)]
    pub(crate) fn write_row(&mut self, row: usize, mask: &[i32]) {
        assert!(row < self.rows && mask.len() <= self.words);
        // SAFETY: `new` checked that the array is a writable, aligned int32
        // array whose row `row` (< rows) starts `row * row_stride` words
        // past `address` and holds `words` contiguous words; `_owner` keeps
        // it alive, and the GIL (held through `'py`) keeps Python code from
        // freeing or resizing it while this runs.
        let out = unsafe {
            std::slice::from_raw_parts_mut(
                (self.address as *mut i32).add(row * self.row_stride),
                self.words,
            )
        };
        out[..mask.len()].copy_from_slice(mask);
        out[mask.len()..].fill(0);
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "an unknown type".to_owned(), |n| n.to_string())
}

type Layout = (usize, Vec<usize>, Option<Vec<usize>>);

/// numpy's `__array_interface__` (strides in bytes become words).
fn numpy_layout(interface: &Bound<'_, PyAny>) -> PyResult<Layout> {
    let typestr: String = interface.get_item("typestr")?.extract()?;
    if typestr != "<i4" && typestr != "|i4" && typestr != "=i4" {
        return Err(PyTypeError::new_err(format!(
            "the bitmask's dtype must be int32, got {typestr}"
        )));
    }
    let (address, readonly): (usize, bool) = interface.get_item("data")?.extract()?;
    if readonly {
        return Err(PyValueError::new_err("the bitmask is read-only"));
    }
    let shape: Vec<usize> = interface.get_item("shape")?.extract()?;
    let strides = interface.get_item("strides")?;
    let strides = if strides.is_none() {
        None
    } else {
        let bytes: Vec<isize> = strides.extract()?;
        Some(words_of(&bytes, 4)?)
    };
    Ok((address, shape, strides))
}

/// A torch tensor's layout (strides in elements already).
fn torch_layout(obj: &Bound<'_, PyAny>) -> PyResult<Layout> {
    let device: String = obj.getattr("device")?.getattr("type")?.extract()?;
    if device != "cpu" {
        return Err(PyValueError::new_err(format!(
            "the bitmask must be in CPU memory (got a {device} tensor): fill a CPU tensor, then move it"
        )));
    }
    let dtype: String = obj.getattr("dtype")?.str()?.extract()?;
    if dtype != "torch.int32" {
        return Err(PyTypeError::new_err(format!(
            "the bitmask's dtype must be torch.int32, got {dtype}"
        )));
    }
    let shape: Vec<usize> = obj.getattr("shape")?.extract()?;
    let strides: Vec<isize> = obj.call_method0("stride")?.cast::<PyTuple>()?.extract()?;
    let address: usize = obj.call_method0("data_ptr")?.extract()?;
    Ok((address, shape, Some(words_of(&strides, 1)?)))
}

fn words_of(strides: &[isize], unit: isize) -> PyResult<Vec<usize>> {
    strides
        .iter()
        .map(|&s| {
            if s < 0 || s % unit != 0 {
                Err(PyValueError::new_err(format!(
                    "the bitmask's strides must be positive whole int32 words, got {strides:?}"
                )))
            } else {
                Ok((s / unit) as usize)
            }
        })
        .collect()
}
