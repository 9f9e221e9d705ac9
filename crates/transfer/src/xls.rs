//! A look at an old `.xls` workbook before calamine parses it: calamine builds every
//! sheet's grid (from its first to its last cell) while opening the file, so two cells,
//! A1 and IV65536, cost a grid of 16 million. Here the compound file is followed to its
//! `Workbook` stream and the BIFF cell records are scanned for each sheet's bounds; the
//! grids (and the room their DIMENSIONS records declare) together must stay within
//! [`Limits::xls_grid_cells`].
//!
//! Only bounds are read, no value: anything this scan cannot follow is left to calamine,
//! which refuses it as unreadable.

use crate::workbook::Limits;
use opencpd_domain::Problem;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Refuses a workbook whose sheets' grids would pass the limit. `None` from the reading
/// below means "not a compound file this scan follows": calamine then has its say.
pub(crate) fn check(bytes: &[u8], limits: &Limits) -> Result<(), Problem> {
    let Some(stream) = workbook_stream(bytes) else { return Ok(()) };
    let mut grid: u64 = 0;
    let mut at = 0;
    // The current worksheet's bounds: (first row, last row, first column, last column).
    let mut bounds: Option<(u16, u16, u16, u16)> = None;
    let mut in_sheet = false;
    while let (Some(kind), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let data = stream.get(at + 4..at + 4 + len as usize).unwrap_or(&[]);
        at += 4 + len as usize;
        match kind {
            // BOF: a worksheet's substream starts (type 0x0010).
            0x0809 => {
                in_sheet = u16_at(data, 2) == Some(0x0010);
                bounds = None;
            }
            // EOF: the sheet's grid is counted.
            0x000A => {
                if let Some((r0, r1, c0, c1)) = bounds.take() {
                    grid = grid.saturating_add((u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1));
                    if grid > limits.xls_grid_cells {
                        return Err(too_large(grid, limits));
                    }
                }
                in_sheet = false;
            }
            // DIMENSIONS: calamine reserves room for the grid it declares.
            0x0200 if in_sheet => {
                let (rows, columns) = match data.len() {
                    10 => (
                        u64::from(u16_at(data, 2).unwrap_or(0)).saturating_sub(u64::from(u16_at(data, 0).unwrap_or(0))),
                        u64::from(u16_at(data, 6).unwrap_or(0)).saturating_sub(u64::from(u16_at(data, 4).unwrap_or(0))),
                    ),
                    14 | 16 => (
                        u64::from(u32_at(data, 4).unwrap_or(0)).saturating_sub(u64::from(u32_at(data, 0).unwrap_or(0))),
                        u64::from(u16_at(data, 10).unwrap_or(0))
                            .saturating_sub(u64::from(u16_at(data, 8).unwrap_or(0))),
                    ),
                    _ => (0, 0),
                };
                grid = grid.saturating_add((rows + 1).saturating_mul(columns + 1));
                if grid > limits.xls_grid_cells {
                    return Err(too_large(grid, limits));
                }
            }
            // Cells calamine keeps: NUMBER, RK, LABELSST, LABEL, BOOLERR, FORMULA, RSTRING,
            // and MULRK, whose last column closes the record.
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x0205 | 0x0006 | 0x00D6 | 0x00BD if in_sheet => {
                let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) else { continue };
                let last = if kind == 0x00BD {
                    u16_at(data, data.len().saturating_sub(2)).unwrap_or(first).max(first)
                } else {
                    first
                };
                bounds = Some(match bounds {
                    None => (row, row, first, last),
                    Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(first), c1.max(last)),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn too_large(grid: u64, limits: &Limits) -> Problem {
    Problem::new("workbook-grid-too-large").arg("cells", grid).arg("max", limits.xls_grid_cells)
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file.
fn workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
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
    let read = |start: u32| -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for id in chain(start, &fat) {
            out.extend_from_slice(sector_at(id)?);
        }
        Some(out)
    };
    let directory = read(u32_at(bytes, 0x30)?)?;
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
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        let mut out = Vec::new();
        for id in chain(start, &mini_fat) {
            out.extend_from_slice(mini_stream.get(id as usize * mini..(id as usize + 1) * mini)?);
        }
        out
    } else {
        read(start)?
    };
    stream.truncate(size);
    Some(stream)
}
