//! The run table in SQLite (`<data>/runs.sqlite`): what the runs list and a restart rely on.
//! WAL mode: a server killed with SIGKILL loses nothing committed.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::error::{Result, ServeError};

/// The state of a run; the table and the JSON API hold its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// The upload is still arriving (removed on restart: never queued).
    Uploading,
    Queued,
    Running,
    Finished,
    Failed,
    Cancelled,
    /// The server stopped (or was killed) while the run was training.
    Interrupted,
}

impl RunState {
    /// Every state, in the order a run goes through them.
    const ALL: [RunState; 7] = [
        RunState::Uploading,
        RunState::Queued,
        RunState::Running,
        RunState::Finished,
        RunState::Failed,
        RunState::Cancelled,
        RunState::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Uploading => "uploading",
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
            RunState::Interrupted => "interrupted",
        }
    }

    /// Whether the run has ended (its results, good or not, are final).
    pub fn is_terminal(self) -> bool {
        matches!(self, RunState::Finished | RunState::Failed | RunState::Cancelled | RunState::Interrupted)
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for RunState {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for RunState {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        RunState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown run state {text:?}").into()))
    }
}

/// One row of the run table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    pub id: i64,
    pub name: String,
    pub domain: String,
    pub state: RunState,
    pub alc: Option<f64>,
    /// Unix seconds.
    pub created: i64,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    /// The options form as JSON ([`super::options::RunOptions`]).
    pub options: String,
    /// The input `rate` reads (inside the run folder, or a folder under --allow-path).
    pub input: String,
    pub error: Option<String>,
}

impl Run {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Run> {
        Ok(Run {
            id: r.get(0)?,
            name: r.get(1)?,
            domain: r.get(2)?,
            state: r.get(3)?,
            alc: r.get(4)?,
            created: r.get(5)?,
            started: r.get(6)?,
            finished: r.get(7)?,
            options: r.get(8)?,
            input: r.get(9)?,
            error: r.get(10)?,
        })
    }

    /// Seconds from start to finish (or to `now` while running).
    pub fn duration(&self, now: i64) -> Option<i64> {
        self.started.map(|s| self.finished.unwrap_or(now) - s)
    }
}

const COLUMNS: &str = "id, name, domain, state, alc, created, started, finished, options, input, error";

/// The database handle; calls are short, so one connection behind a mutex serves every task.
pub struct Db {
    conn: Mutex<Connection>,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Db {
    pub fn open(path: &Path) -> Result<Db> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                domain TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL,
                alc REAL,
                created INTEGER NOT NULL,
                started INTEGER,
                finished INTEGER,
                options TEXT NOT NULL DEFAULT '{}',
                input TEXT NOT NULL DEFAULT '',
                error TEXT
            );",
        )?;
        Ok(Db { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // a panic while holding the lock leaves the connection itself usable
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After a restart: runs cut while training become `interrupted`, unfinished uploads are
    /// dropped (their ids returned so the caller removes their folders); queued runs stay queued.
    pub fn recover(&self) -> Result<(usize, Vec<i64>)> {
        let conn = self.conn();
        let interrupted = conn.execute(
            "UPDATE runs SET state = ?1, finished = ?2, error = 'the server stopped while this run was training' WHERE state = ?3",
            params![RunState::Interrupted, now(), RunState::Running],
        )?;
        let mut stmt = conn.prepare("SELECT id FROM runs WHERE state = ?1")?;
        let uploads = stmt.query_map([RunState::Uploading], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
        conn.execute("DELETE FROM runs WHERE state = ?1", [RunState::Uploading])?;
        Ok((interrupted, uploads))
    }

    /// A new run receiving its upload; returns its id.
    pub fn insert_uploading(&self, name: &str) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO runs (name, state, created) VALUES (?1, ?2, ?3)",
            params![name, RunState::Uploading, now()],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// The upload is complete: the run waits for a job slot.
    pub fn queue(&self, id: i64, name: &str, domain: &str, options: &str, input: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE runs SET name = ?2, domain = ?3, options = ?4, input = ?5, state = ?6 WHERE id = ?1",
            params![id, name, domain, options, input, RunState::Queued],
        )?;
        Ok(())
    }

    pub fn delete(&self, id: i64) -> Result<()> {
        self.conn().execute("DELETE FROM runs WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Takes the oldest queued run and marks it running (one statement: no two jobs take it).
    pub fn take_queued(&self) -> Result<Option<Run>> {
        let conn = self.conn();
        let id: Option<i64> = conn
            .query_row("SELECT id FROM runs WHERE state = ?1 ORDER BY id LIMIT 1", [RunState::Queued], |r| r.get(0))
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        conn.execute(
            "UPDATE runs SET state = ?2, started = ?3 WHERE id = ?1",
            params![id, RunState::Running, now()],
        )?;
        drop(conn);
        self.get(id)
    }

    /// Ends a run: its final state, ALC, detected domain and error message.
    pub fn finish(&self, id: i64, final_state: RunState, alc: Option<f64>, domain: Option<&str>, error: Option<&str>) -> Result<()> {
        self.conn().execute(
            "UPDATE runs SET state = ?2, alc = ?3, domain = COALESCE(?4, domain), error = ?5, finished = ?6 WHERE id = ?1",
            params![id, final_state, alc, domain, error, now()],
        )?;
        Ok(())
    }

    /// Cancels a queued run (it never starts); false when it is not queued any more.
    pub fn cancel_queued(&self, id: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE runs SET state = ?2, finished = ?3, error = 'cancelled before it started' WHERE id = ?1 AND state = ?4",
            params![id, RunState::Cancelled, now(), RunState::Queued],
        )?;
        Ok(n == 1)
    }

    pub fn get(&self, id: i64) -> Result<Option<Run>> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM runs WHERE id = ?1 AND state != ?2");
        Ok(conn.query_row(&sql, params![id, RunState::Uploading], Run::from_row).optional()?)
    }

    /// A run that must exist (404 otherwise).
    pub fn must_get(&self, id: i64) -> Result<Run> {
        self.get(id)?.ok_or_else(|| ServeError::NotFound(format!("no run {id}")))
    }

    /// Every run but those still uploading, newest first.
    pub fn list(&self) -> Result<Vec<Run>> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM runs WHERE state != ?1 ORDER BY id DESC");
        let mut stmt = conn.prepare(&sql)?;
        let runs = stmt.query_map([RunState::Uploading], Run::from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_keeps_finished_marks_running_interrupted_and_requeues() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("runs.sqlite");
        {
            let db = Db::open(&path).unwrap();
            for name in ["done", "cut", "waiting", "half-uploaded"] {
                let id = db.insert_uploading(name).unwrap();
                if name != "half-uploaded" {
                    db.queue(id, name, "auto", "{}", "/x").unwrap();
                }
            }
            let done = db.take_queued().unwrap().unwrap();
            db.finish(done.id, RunState::Finished, Some(0.5), Some("image"), None).unwrap();
            let cut = db.take_queued().unwrap().unwrap();
            assert_eq!(cut.name, "cut");
            assert_eq!(cut.state, RunState::Running);
        }
        let db = Db::open(&path).unwrap();
        let (interrupted, uploads) = db.recover().unwrap();
        assert_eq!((interrupted, uploads), (1, vec![4]));
        let runs = db.list().unwrap();
        let by_name = |n: &str| runs.iter().find(|r| r.name == n).unwrap().clone();
        assert_eq!(by_name("done").state, RunState::Finished);
        assert_eq!(by_name("done").alc, Some(0.5));
        assert_eq!(by_name("done").domain, "image");
        assert_eq!(by_name("cut").state, RunState::Interrupted);
        assert_eq!(by_name("waiting").state, RunState::Queued);
        assert!(runs.iter().all(|r| r.name != "half-uploaded"));
        assert_eq!(db.take_queued().unwrap().unwrap().name, "waiting");
    }

    #[test]
    fn states_keep_their_names_in_the_table_and_the_api() {
        let conn = Connection::open_in_memory().unwrap();
        for s in RunState::ALL {
            let stored: String = conn.query_row("SELECT ?1", [s], |r| r.get(0)).unwrap();
            assert_eq!(stored, s.as_str());
            assert_eq!(conn.query_row("SELECT ?1", [s.as_str()], |r| r.get::<_, RunState>(0)).unwrap(), s);
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        let unknown = conn.query_row("SELECT 'paused'", [], |r| r.get::<_, RunState>(0)).unwrap_err();
        assert!(unknown.to_string().contains("unknown run state \"paused\""), "{unknown}");
        let ended: Vec<RunState> = RunState::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(ended, [RunState::Finished, RunState::Failed, RunState::Cancelled, RunState::Interrupted]);
    }
}
