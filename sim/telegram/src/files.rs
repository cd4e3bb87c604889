//! Files as the Bot API keeps them: users' photos and documents, and what bots upload, each
//! with a `file_id` a bot may send again and a `file_path` it downloads through getFile.

use std::collections::HashMap;

use crate::state::{ApiError, Outgoing, Sim, bad};

/// The most a bot may download (getFile).
pub const DOWNLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// The largest photo a bot may upload (sendPhoto).
pub const PHOTO_UPLOAD_LIMIT: usize = 10 * 1024 * 1024;

/// Photos and documents differ: sendPhoto refuses a document's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Photo,
    Document,
}

#[derive(Debug, Clone)]
pub struct StoredFile {
    pub kind: FileKind,
    pub unique_id: String,
    pub path: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct Files {
    by_id: HashMap<String, StoredFile>,
    next: u64,
    /// Files bots uploaded (sendPhoto with the bytes).
    pub uploads: u64,
}

impl Files {
    /// Keeps a file; returns its `file_id`.
    pub fn add(&mut self, kind: FileKind, bytes: Vec<u8>) -> String {
        let n = self.next + 1;
        let id = match kind {
            FileKind::Photo => format!("AgACsim{n:06}"),
            FileKind::Document => format!("BQACsim{n:06}"),
        };
        self.insert(&id, kind, bytes);
        id
    }

    /// The `file_id` the next file will have.
    fn next_photo_id(&self) -> String {
        format!("AgACsim{:06}", self.next + 1)
    }

    fn insert(&mut self, id: &str, kind: FileKind, bytes: Vec<u8>) {
        self.next += 1;
        let folder = match kind {
            FileKind::Photo => "photos",
            FileKind::Document => "documents",
        };
        let file = StoredFile {
            kind,
            unique_id: format!("AQAD{:06}", self.next),
            path: format!("{folder}/file_{}.bin", self.next),
            bytes,
        };
        self.by_id.insert(id.to_string(), file);
    }

    pub fn get(&self, id: &str) -> Option<&StoredFile> {
        self.by_id.get(id)
    }

    /// The file at a download path.
    pub fn at_path(&self, path: &str) -> Option<&StoredFile> {
        self.by_id.values().find(|f| f.path == path)
    }

    /// getFile.
    pub fn get_file(&self, id: &str) -> Result<serde_json::Value, ApiError> {
        let file = self.get(id).ok_or_else(|| bad("invalid file_id"))?;
        if file.bytes.len() > DOWNLOAD_LIMIT {
            return Err(bad("file is too big"));
        }
        Ok(serde_json::json!({
            "file_id": id, "file_unique_id": file.unique_id,
            "file_size": file.bytes.len(), "file_path": file.path,
        }))
    }

    /// The photo a sendPhoto names: a URL or a photo's `file_id`.
    fn named_photo(&self, named: &str) -> Result<String, ApiError> {
        if named.starts_with("http://") || named.starts_with("https://") {
            return Ok(named.to_string());
        }
        match self.get(named) {
            Some(file) if file.kind == FileKind::Photo => Ok(named.to_string()),
            Some(_) => Err(bad("type of file mismatch")),
            None => Err(bad("wrong file identifier/HTTP URL specified")),
        }
    }
}

impl Sim {
    /// sendPhoto: `named` is a URL or a `file_id`, unless the bot uploads the bytes; an
    /// upload becomes a file (with a `file_id` the bot may send again) once the message is
    /// sent.
    pub fn send_photo(
        &mut self,
        chat_id: i64,
        named: &str,
        upload: Option<Vec<u8>>,
        mut message: Outgoing<'_>,
    ) -> Result<serde_json::Value, ApiError> {
        message.photo = Some(match &upload {
            Some(bytes) if bytes.len() > PHOTO_UPLOAD_LIMIT => return Err(bad("file is too big")),
            Some(_) => self.files.next_photo_id(),
            None => self.files.named_photo(named)?,
        });
        let id = message.photo.clone().unwrap_or_default();
        let sent = self.send(chat_id, message)?;
        if let Some(bytes) = upload {
            self.files.insert(&id, FileKind::Photo, bytes);
            self.files.uploads += 1;
        }
        Ok(sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_is_sent_by_its_id_and_a_document_id_is_refused_as_a_photo() {
        let mut files = Files::default();
        let photo = files.add(FileKind::Photo, vec![1, 2, 3]);
        let document = files.add(FileKind::Document, vec![4]);
        assert_eq!(files.named_photo(&photo).unwrap(), photo);
        assert!(files.named_photo(&document).is_err());
        assert!(files.named_photo("nonsense").is_err());
        let meta = files.get_file(&photo).unwrap();
        let path = meta["file_path"].as_str().unwrap();
        assert_eq!(files.at_path(path).unwrap().bytes, vec![1, 2, 3]);
    }
}
