//! Uploads on their way in: each image streams into an anonymous temporary
//! file as it arrives, so a post of ten large photos holds a write buffer in
//! memory, not ten photos. The pipeline reads a file back only when a core
//! is free to process it (`MediaStore::on_cpu`), so the images in memory at
//! once are bounded by the cores, not by the uploads in flight.
//!
//! What is spooled counts against one global byte budget
//! (`UPLOAD_MEMORY_BUDGET`), from the first byte received until the image
//! has been processed: past it, an upload is refused with `503` at once
//! instead of filling the disk or queueing without bound.
//!
//! The files are unlinked from the start (`tempfile::tempfile`, `O_TMPFILE`
//! on Linux), so whatever happens to the request or the process, none is
//! left behind.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::error::ApiError;

/// Bytes written to the temporary file at a time.
const WRITE_BUFFER: usize = 256 * 1024;

/// The byte budget shared by every upload in flight. Cheap to clone.
#[derive(Clone)]
pub struct UploadBudget {
    bytes: Arc<Semaphore>,
}

impl UploadBudget {
    pub fn new(bytes: usize) -> Self {
        Self {
            bytes: Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// Starts spooling one incoming image.
    pub async fn spool(&self) -> Result<Spooler, ApiError> {
        let file = tokio::task::spawn_blocking(tempfile::tempfile)
            .await
            .context("creating a temporary file panicked")?
            .context("creating a temporary file for an upload")?;
        Ok(Spooler {
            file: BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file)),
            len: 0,
            held: None,
            budget: Arc::clone(&self.bytes),
        })
    }
}

/// One image being received.
pub struct Spooler {
    file: BufWriter<tokio::fs::File>,
    len: usize,
    held: Option<OwnedSemaphorePermit>,
    budget: Arc<Semaphore>,
}

impl Spooler {
    /// Bytes received so far.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends a chunk, charging it to the budget first.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        let charge = u32::try_from(chunk.len()).map_err(|_| budget_spent())?;
        let permit = Arc::clone(&self.budget)
            .try_acquire_many_owned(charge)
            .map_err(|_| budget_spent())?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        self.file
            .write_all(chunk)
            .await
            .context("writing an upload to its temporary file")?;
        self.len += chunk.len();
        Ok(())
    }

    /// The whole image, still on disk and still charged to the budget.
    pub async fn finish(mut self) -> Result<SpooledImage, ApiError> {
        self.file
            .flush()
            .await
            .context("writing an upload to its temporary file")?;
        Ok(SpooledImage {
            source: Source::File(self.file.into_inner().into_std().await),
            len: self.len,
            _held: self.held,
        })
    }
}

fn budget_spent() -> ApiError {
    ApiError::Unavailable(anyhow::anyhow!(
        "the upload budget (UPLOAD_MEMORY_BUDGET) is spent"
    ))
}

/// An uploaded image waiting for the pipeline. Dropping it frees its file
/// and its share of the budget.
pub struct SpooledImage {
    source: Source,
    len: usize,
    _held: Option<OwnedSemaphorePermit>,
}

enum Source {
    File(std::fs::File),
    /// Bytes already in memory (tests and tools that hold the image).
    Memory(Bytes),
}

impl SpooledImage {
    /// The size of the image in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The image's bytes. Blocking: call it on the blocking pool. The image
    /// stays charged to the budget until it is dropped, after processing.
    pub(crate) fn read(&mut self) -> Result<Bytes, ApiError> {
        match &mut self.source {
            Source::Memory(bytes) => Ok(bytes.clone()),
            Source::File(file) => {
                let mut bytes = Vec::with_capacity(self.len);
                file.seek(SeekFrom::Start(0))
                    .and_then(|_| file.read_to_end(&mut bytes))
                    .context("reading an upload back from its temporary file")?;
                Ok(bytes.into())
            }
        }
    }
}

impl From<Bytes> for SpooledImage {
    fn from(bytes: Bytes) -> Self {
        Self {
            len: bytes.len(),
            source: Source::Memory(bytes),
            _held: None,
        }
    }
}
