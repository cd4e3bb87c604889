//! Legal labels: notices a newsroom must print with certain materials (the Russian
//! foreign-agent notice, for one), exactly as the config words them.

/// Where the label stands in every message part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelPosition {
    Top,
    Bottom,
}

impl LabelPosition {
    pub fn as_str(self) -> &'static str {
        match self {
            LabelPosition::Top => "top",
            LabelPosition::Bottom => "bottom",
        }
    }

    pub fn from_stored(value: &str) -> LabelPosition {
        if value == "bottom" {
            LabelPosition::Bottom
        } else {
            LabelPosition::Top
        }
    }
}

/// A label's exact text and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub text: String,
    pub position: LabelPosition,
}
