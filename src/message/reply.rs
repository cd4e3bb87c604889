//! What the app answers, independent of any platform. Adapters render it (see `render`).

/// A reply is a short sequence of blocks; platforms decide how each looks.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Reply {
    pub blocks: Vec<Block>,
    /// The message (a platform id) this reply takes the place of: a keyboard whose button
    /// was pressed, shown again as it now stands. Platforms that can edit it do; the others,
    /// or when the edit is refused, send the reply as a new message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Set by a command whose reply is a new state of the keyboard it was pressed on (the
    /// app then fills in [`Reply::replaces`]).
    #[serde(skip)]
    pub in_place: bool,
    /// The article this reply reports on ("Published as #N"): an editor replying to it with
    /// /edit, /retract, /preview or /article targets that article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<i64>,
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
    /// Rows of buttons, each running a command when pressed. Platforms without buttons skip
    /// them: every button repeats something a hint or an item already says.
    Buttons(Vec<Vec<Button>>),
}

/// A button: what it shows and the command it runs, as the user could have typed it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Button {
    pub label: String,
    pub command: String,
}

impl Button {
    pub fn new(label: impl Into<String>, command: impl Into<String>) -> Button {
        Button {
            label: label.into(),
            command: command.into(),
        }
    }
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            blocks: vec![Block::Paragraph(text.into())],
            ..Reply::default()
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

    /// Marks the reply as being about article `id` (see [`Reply::article`]).
    pub fn about(mut self, id: i64) -> Reply {
        self.article = Some(id);
        self
    }

    pub fn hint(mut self, text: impl Into<String>) -> Reply {
        self.blocks.push(Block::Hint(text.into()));
        self
    }

    /// Adds a row of buttons; an empty row adds nothing.
    pub fn buttons(mut self, row: Vec<Button>) -> Reply {
        if !row.is_empty() {
            self.blocks.push(Block::Buttons(vec![row]));
        }
        self
    }

    /// Every button of the reply, row by row.
    pub fn keyboard(&self) -> Vec<Vec<Button>> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Buttons(rows) => Some(rows.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}
