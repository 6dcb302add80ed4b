//! Catch-up paging over the account archive (XEP-0313 with XEP-0059 result sets).
//!
//! [`CatchUp`] is the state of one catch-up run. The caller sends the query that
//! [`CatchUp::next_request`] describes, collects the results that
//! [`crate::rules::accept_archive_result`] lets through, and hands the `<fin/>` to
//! [`CatchUp::page_done`]. The caller must persist each page *and* its new position in one
//! transaction; then killing the process at any point loses and duplicates nothing, because
//! the next run starts after the last committed page and the store's dedup constraints absorb
//! any replay.

/// Largest page we ask for; Prosody 0.12 caps pages at 50 anyway.
pub const PAGE_SIZE: usize = 50;

/// One archive query to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The `queryid` to put on the query; results carrying another one are refused.
    pub query_id: String,
    /// Page after this archive id (`None`: from the start of the archive).
    pub after: Option<String>,
    /// Page size.
    pub max: usize,
}

/// What to do after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Ask for the next page.
    Next(PageRequest),
    /// The archive has been read to its end.
    Done,
}

/// The state of one catch-up run.
#[derive(Debug, Clone)]
pub struct CatchUp {
    position: Option<String>,
    pages: u64,
    query_seq: u64,
    run_id: String,
    current: Option<String>,
}

impl CatchUp {
    /// Starts a run after the last archive id this profile stored (`None` for a new profile).
    /// `run_id` makes query ids unique across runs and sessions (pass something random).
    pub fn new(position: Option<String>, run_id: impl Into<String>) -> Self {
        Self {
            position,
            pages: 0,
            query_seq: 0,
            run_id: run_id.into(),
            current: None,
        }
    }

    /// The archive id the run has reached.
    pub fn position(&self) -> Option<&str> {
        self.position.as_deref()
    }

    /// Pages completed so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// The query id results must carry now (`None` between pages).
    pub fn expected_query_id(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The next query to send; remembers its id as the one to accept.
    pub fn next_request(&mut self) -> PageRequest {
        self.query_seq += 1;
        let query_id = format!("{}-{}", self.run_id, self.query_seq);
        self.current = Some(query_id.clone());
        PageRequest {
            query_id,
            after: self.position.clone(),
            max: PAGE_SIZE,
        }
    }

    /// Records a finished page: `last` is the result set's `<last/>` id (absent on an empty
    /// page), `complete` the `<fin complete='true'/>` flag. Position only moves forward:
    /// an empty page keeps the old position.
    pub fn page_done(&mut self, last: Option<String>, complete: bool) -> Step {
        self.pages += 1;
        self.current = None;
        let advanced = match last {
            Some(last) if Some(&last) != self.position.as_ref() => {
                self.position = Some(last);
                true
            }
            _ => false,
        };
        // A page that did not move us forward ends the run even when the server forgot to
        // say complete: asking again would loop forever.
        if complete || !advanced {
            Step::Done
        } else {
            Step::Next(self.next_request())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_profile_pages_from_the_start_of_the_archive() {
        let mut run = CatchUp::new(None, "r");
        let req = run.next_request();
        assert_eq!(req.after, None);
        assert_eq!(req.max, PAGE_SIZE);
        assert_eq!(run.expected_query_id(), Some(req.query_id.as_str()));
    }

    #[test]
    fn paging_resumes_after_the_stored_position_and_moves_forward() {
        let mut run = CatchUp::new(Some("A".into()), "r");
        let first = run.next_request();
        assert_eq!(first.after.as_deref(), Some("A"));
        let Step::Next(second) = run.page_done(Some("B".into()), false) else {
            panic!("expected another page");
        };
        assert_eq!(second.after.as_deref(), Some("B"));
        assert_ne!(
            first.query_id, second.query_id,
            "each page has its own query id"
        );
        assert_eq!(run.page_done(Some("C".into()), true), Step::Done);
        assert_eq!(run.position(), Some("C"));
        assert_eq!(run.pages(), 2);
    }

    #[test]
    fn an_empty_page_ends_the_run_without_moving_back() {
        let mut run = CatchUp::new(Some("A".into()), "r");
        run.next_request();
        assert_eq!(run.page_done(None, false), Step::Done);
        assert_eq!(run.position(), Some("A"));
    }

    #[test]
    fn a_page_that_repeats_the_position_ends_the_run() {
        let mut run = CatchUp::new(Some("A".into()), "r");
        run.next_request();
        assert_eq!(run.page_done(Some("A".into()), false), Step::Done);
    }

    #[test]
    fn between_pages_no_result_is_expected() {
        let mut run = CatchUp::new(None, "r");
        run.next_request();
        run.page_done(Some("B".into()), true);
        assert_eq!(run.expected_query_id(), None);
    }
}
