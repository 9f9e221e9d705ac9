//! An old `.xls` workbook made safe for calamine before it parses it: calamine builds
//! every sheet's grid (from its first cell to its last) while opening the file, so two
//! cells, A1 and IV65536, would cost a grid of 16 million. Here the compound file is
//! followed to its `Workbook` stream, the BIFF cell records of each sheet are scanned, and
//! the cells are renumbered in a copy of the file: the rows holding a cell become rows
//! 0, 1, 2… and the columns likewise, in order, and each sheet's DIMENSIONS record is
//! rewritten to that grid. calamine then builds a grid of the rows times the columns that
//! hold cells, which together must stay within [`Limits::xls_grid_cells`]; the reader
//! puts each cell back at its place ([`Renumbered::place`]). A form with a note far to
//! the right and another far below costs a few cells, not millions.
//!
//! Only positions are read and rewritten, no value: anything this scan cannot follow is
//! left to calamine as it is, which refuses it as unreadable.

use crate::workbook::Limits;
use opencpd_domain::Problem;
use std::borrow::Cow;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A workbook whose cells were renumbered, and where each sheet's cells really are.
pub(crate) struct Renumbered<'a> {
    /// The file handed to calamine.
    pub(crate) bytes: Cow<'a, [u8]>,
    /// Per sheet, in the order of the workbook's sheet list: the row and the column each
    /// renumbered row and column stands for (empty when the file was left as it is).
    sheets: Vec<(Vec<u32>, Vec<u32>)>,
}

impl Renumbered<'_> {
    /// Where the cell calamine reads at zero-based `(row, column)` of sheet `sheet` is.
    pub(crate) fn place(&self, sheet: usize, row: u32, column: u32) -> (u32, u32) {
        match self.sheets.get(sheet) {
            Some((rows, columns)) if !rows.is_empty() => (
                rows.get(row as usize).copied().unwrap_or(row),
                columns.get(column as usize).copied().unwrap_or(column),
            ),
            _ => (row, column),
        }
    }
}

/// One cell record of a sheet: where it is in the stream, its kind, row and columns.
struct CellRecord {
    at: usize,
    len: usize,
    kind: u16,
    row: u16,
    first: u16,
    last: u16,
}

/// Renumbers the cells of a workbook, refusing it when the grids calamine would build
/// pass the limit. A file this scan does not follow is handed on as it is.
pub(crate) fn renumber<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Renumbered<'a>, Problem> {
    let as_is = || Renumbered { bytes: Cow::Borrowed(bytes), sheets: Vec::new() };
    let Some(stream) = workbook_stream(bytes) else { return Ok(as_is()) };
    let data = &stream.data;
    let record_at = |at: usize| -> Option<(u16, usize)> { Some((u16_at(data, at)?, u16_at(data, at + 2)? as usize)) };
    // The globals: the sheet list (BOUNDSHEET records, as calamine reads them) up to EOF.
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some((kind, len)) = record_at(at) {
        match kind {
            0x0085 => starts.push(u32_at(data, at + 4).unwrap_or(u32::MAX) as usize),
            0x000A => break,
            _ => {}
        }
        at += 4 + len;
    }
    let mut out = bytes.to_vec();
    let mut sheets = Vec::with_capacity(starts.len());
    let mut grid: u64 = 0;
    let mut done: Vec<(usize, usize)> = Vec::new();
    for start in starts {
        // A sheet listed twice is built twice but renumbered once.
        if let Some(&(_, i)) = done.iter().find(|(s, _)| *s == start) {
            let again: (Vec<u32>, Vec<u32>) = sheets.get(i).cloned().unwrap_or_default();
            grid = grid.saturating_add(again.0.len() as u64 * again.1.len() as u64);
            if grid > limits.xls_grid_cells {
                return Err(too_large(grid, limits));
            }
            sheets.push(again);
            continue;
        }
        let (cells, dimensions) = sheet_cells(data, start);
        let mut rows: Vec<u32> = cells.iter().map(|c| u32::from(c.row)).collect();
        let mut columns: Vec<u32> =
            cells.iter().flat_map(|c| u32::from(c.first)..=u32::from(c.last.max(c.first))).collect();
        rows.sort_unstable();
        rows.dedup();
        columns.sort_unstable();
        columns.dedup();
        grid = grid.saturating_add(rows.len() as u64 * columns.len() as u64);
        if grid > limits.xls_grid_cells {
            return Err(too_large(grid, limits));
        }
        let index = |all: &[u32], v: u16| all.binary_search(&u32::from(v)).unwrap_or(0) as u16;
        for c in &cells {
            stream.put(&mut out, c.at + 4, &index(&rows, c.row).to_le_bytes());
            stream.put(&mut out, c.at + 6, &index(&columns, c.first).to_le_bytes());
            if c.kind == 0x00BD {
                stream.put(&mut out, c.at + 4 + c.len - 2, &index(&columns, c.last).to_le_bytes());
            }
        }
        // DIMENSIONS: calamine reserves room for the grid it declares; now the grid itself.
        for (at, len) in dimensions {
            let (r, c) = (rows.len() as u32, columns.len() as u16);
            let declared = match len {
                10 => {
                    [&0u16.to_le_bytes()[..], &(r as u16).to_le_bytes(), &0u16.to_le_bytes(), &c.to_le_bytes()].concat()
                }
                14 | 16 => [&0u32.to_le_bytes()[..], &r.to_le_bytes(), &0u16.to_le_bytes(), &c.to_le_bytes()].concat(),
                _ => continue,
            };
            stream.put(&mut out, at + 4, &declared);
        }
        done.push((start, sheets.len()));
        sheets.push((rows, columns));
    }
    Ok(Renumbered { bytes: Cow::Owned(out), sheets })
}

/// The cell records calamine keeps in the sheet whose substream starts at `start`, and
/// its DIMENSIONS records (where, how long), read as calamine reads them: up to the
/// sheet's EOF, past any substream nested in it (an embedded chart).
fn sheet_cells(data: &[u8], start: usize) -> (Vec<CellRecord>, Vec<(usize, usize)>) {
    let (mut cells, mut dimensions) = (Vec::new(), Vec::new());
    let (mut at, mut seen_bof, mut depth) = (start, false, 0usize);
    while let (Some(kind), Some(len)) = (u16_at(data, at), u16_at(data, at + 2)) {
        let (here, len) = (at, len as usize);
        at += 4 + len;
        if depth > 0 {
            match kind {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match kind {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => dimensions.push((here, len)),
            // Cells calamine keeps: NUMBER, RK, LABELSST, LABEL, BOOLERR, FORMULA, RSTRING,
            // and MULRK, whose last column closes the record.
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x0205 | 0x0006 | 0x00D6 | 0x00BD => {
                let body = data.get(here + 4..here + 4 + len).unwrap_or(&[]);
                let (Some(row), Some(first)) = (u16_at(body, 0), u16_at(body, 2)) else { continue };
                let last = if kind == 0x00BD { u16_at(body, len.saturating_sub(2)).unwrap_or(first) } else { first };
                // A MULRK whose columns do not add up is refused by calamine: left as it is.
                if kind == 0x00BD && (last < first || len != 6 + 6 * (usize::from(last - first) + 1)) {
                    continue;
                }
                cells.push(CellRecord { at: here, len, kind, row, first, last });
            }
            _ => {}
        }
    }
    (cells, dimensions)
}

fn too_large(grid: u64, limits: &Limits) -> Problem {
    Problem::new("workbook-grid-too-large").arg("cells", grid).arg("max", limits.xls_grid_cells)
}

/// A stream of the compound file, and where each of its pieces lies in the file.
struct Stream {
    data: Vec<u8>,
    piece: usize,
    pieces: Vec<usize>,
}

impl Stream {
    /// Writes `value` at `at` in the stream into the file `out`.
    fn put(&self, out: &mut [u8], at: usize, value: &[u8]) {
        for (i, b) in value.iter().enumerate() {
            let at = at + i;
            if let Some(slot) = self.pieces.get(at / self.piece).and_then(|p| out.get_mut(p + at % self.piece)) {
                *slot = *b;
            }
        }
    }
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file.
fn workbook_stream(bytes: &[u8]) -> Option<Stream> {
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return None;
    }
    let sector = 1usize.checked_shl(u32::from(u16_at(bytes, 0x1E)?)).filter(|s| (512..=4096).contains(s))?;
    let mini = 1usize.checked_shl(u32::from(u16_at(bytes, 0x20)?)).filter(|s| *s == 64)?;
    let sector_at = |id: u32| bytes.get((id as usize + 1) * sector..(id as usize + 2) * sector);
    // The FAT's sectors: 109 listed in the header, the others in a chain of DIFAT sectors.
    let mut fat_sectors: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 0x4C + 4 * i)).collect();
    let mut difat = u32_at(bytes, 0x44)?;
    let per = sector / 4 - 1;
    let mut guard = 0;
    while difat < END_OF_CHAIN && guard < bytes.len() / sector {
        let s = sector_at(difat)?;
        fat_sectors.extend((0..per).filter_map(|i| u32_at(s, 4 * i)));
        difat = u32_at(s, 4 * per)?;
        guard += 1;
    }
    let fat_count = u32_at(bytes, 0x2C)? as usize;
    let fat: Vec<u32> = fat_sectors
        .iter()
        .take(fat_count)
        .filter_map(|&id| sector_at(id))
        .flat_map(|s| s.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))))
        .collect();
    let chain = |start: u32, table: &[u32]| -> Vec<u32> {
        let mut ids = Vec::new();
        let mut id = start;
        while id < END_OF_CHAIN && ids.len() < table.len() {
            ids.push(id);
            id = *table.get(id as usize).unwrap_or(&END_OF_CHAIN);
        }
        ids
    };
    let read = |start: u32| -> Option<Stream> {
        let (mut data, mut pieces) = (Vec::new(), Vec::new());
        for id in chain(start, &fat) {
            data.extend_from_slice(sector_at(id)?);
            pieces.push((id as usize + 1) * sector);
        }
        Some(Stream { data, piece: sector, pieces })
    };
    let directory = read(u32_at(bytes, 0x30)?)?.data;
    let entries: Vec<&[u8]> = directory.chunks_exact(128).collect();
    let name_of = |e: &[u8]| {
        let len = (u16_at(e, 64).unwrap_or(0) as usize).min(64).saturating_sub(2);
        let units: Vec<u16> = e[..len].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    };
    let root = entries.first().filter(|e| e[66] == 5)?;
    let book = entries.iter().find(|e| e[66] == 2 && matches!(name_of(e).as_str(), "Workbook" | "Book"))?;
    let (start, size) = (u32_at(book, 116)?, u32_at(book, 120)? as usize);
    if size > bytes.len() {
        return None;
    }
    let mut stream = if size < u32_at(bytes, 0x38)? as usize {
        // A small stream lives in the mini stream, in 64-byte sectors of its own table.
        let mini_stream = read(u32_at(root, 116)?)?;
        let mini_fat: Vec<u32> = read(u32_at(bytes, 0x3C)?)?
            .data
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        let (mut data, mut pieces) = (Vec::new(), Vec::new());
        for id in chain(start, &mini_fat) {
            let at = id as usize * mini;
            data.extend_from_slice(mini_stream.data.get(at..at + mini)?);
            pieces.push(mini_stream.pieces.get(at / sector)? + at % sector);
        }
        Stream { data, piece: mini, pieces }
    } else {
        read(start)?
    };
    stream.data.truncate(size);
    Some(stream)
}
