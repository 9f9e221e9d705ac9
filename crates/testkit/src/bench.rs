//! What benchmarks compare against and measure: SQLite's own prepared statement, bound
//! row by row (the raw rate an import pipeline is held to), and the process's peak memory.

use libsqlite3_sys as ffi;
use std::ffi::CString;

pub struct Conn(*mut ffi::sqlite3);

impl Conn {
    pub fn open(path: &str) -> Conn {
        let mut db = std::ptr::null_mut();
        let path = CString::new(path).unwrap();
        // SAFETY: a valid NUL-terminated path and an out pointer.
        let rc = unsafe { ffi::sqlite3_open(path.as_ptr(), &mut db) };
        assert_eq!(rc, ffi::SQLITE_OK);
        Conn(db)
    }

    pub fn exec(&self, sql: &str) {
        let sql = CString::new(sql).unwrap();
        // SAFETY: an open connection and a NUL-terminated statement.
        let rc = unsafe { ffi::sqlite3_exec(self.0, sql.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) };
        assert_eq!(rc, ffi::SQLITE_OK, "{sql:?}");
    }

    pub fn prepare(&self, sql: &CString) -> Statement {
        let mut stmt = std::ptr::null_mut();
        // SAFETY: an open connection, a NUL-terminated statement, an out pointer.
        let rc = unsafe { ffi::sqlite3_prepare_v2(self.0, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        assert_eq!(rc, ffi::SQLITE_OK);
        Statement(stmt)
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the connection is open and its statements were finalised.
        unsafe { ffi::sqlite3_close(self.0) };
    }
}

pub struct Statement(*mut ffi::sqlite3_stmt);

pub enum Value<'a> {
    Int(i64),
    Real(f64),
    Text(&'a str),
    Null,
}

impl Statement {
    pub fn run(&mut self, values: &[Value<'_>]) {
        // SAFETY: a prepared statement; texts are copied by SQLite (SQLITE_TRANSIENT).
        unsafe {
            for (i, v) in values.iter().enumerate() {
                let at = i as i32 + 1;
                match v {
                    Value::Int(n) => ffi::sqlite3_bind_int64(self.0, at, *n),
                    Value::Real(r) => ffi::sqlite3_bind_double(self.0, at, *r),
                    Value::Text(t) => ffi::sqlite3_bind_text(
                        self.0,
                        at,
                        t.as_ptr() as *const _,
                        t.len() as i32,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                    Value::Null => ffi::sqlite3_bind_null(self.0, at),
                };
            }
            assert_eq!(ffi::sqlite3_step(self.0), ffi::SQLITE_DONE);
            ffi::sqlite3_reset(self.0);
        }
    }
}

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: a prepared statement, finalised once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// Resets the process's peak resident memory, so the next phase's peak is its own.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}
