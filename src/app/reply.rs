//! What the app answers, independent of any platform. Adapters render it (see `render`).

/// A reply is a short sequence of blocks; platforms decide how each looks.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Block {
    /// A headline or the subject of the reply.
    Heading(String),
    /// Running text; may contain newlines.
    Paragraph(String),
    /// One entry of a list (an article, a topic, a role).
    Item(String),
    /// A pointer to what to do next, e.g. the command for the next page.
    Hint(String),
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            blocks: vec![Block::Paragraph(text.into())],
        }
    }

    pub fn heading(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn item(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Item(text.into()));
        self
    }

    pub fn hint(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Hint(text.into()));
        self
    }
}
