//! Live connections per user: the WebSocket handlers register here, and
//! whatever has an event for a user (a new message today; file offers and
//! remote sessions later) pushes it through [`Hub::push`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

/// Events a slow client may have queued before further ones are dropped
/// (it can still read its mailbox).
const QUEUE: usize = 64;

/// Each user's live connections: an id and the queue to it.
type Connections = HashMap<String, Vec<(u64, mpsc::Sender<Arc<str>>)>>;

#[derive(Debug, Default)]
pub(crate) struct Hub {
    users: Mutex<Connections>,
    next_id: AtomicU64,
}

/// A registered connection; unregisters itself when dropped.
#[derive(Debug)]
pub(crate) struct Subscription {
    hub: Arc<Hub>,
    user: String,
    id: u64,
    pub rx: mpsc::Receiver<Arc<str>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut users = self.hub.lock();
        if let Some(list) = users.get_mut(&self.user) {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                users.remove(&self.user);
            }
        }
    }
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connections> {
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a live connection of `user`; `None` when the user already
    /// has `max` of them.
    pub(crate) fn subscribe(self: &Arc<Self>, user: &str, max: usize) -> Option<Subscription> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut users = self.lock();
        let list = users.entry(user.to_owned()).or_default();
        if list.len() >= max {
            return None;
        }
        list.push((id, tx));
        Some(Subscription {
            hub: self.clone(),
            user: user.to_owned(),
            id,
            rx,
        })
    }

    /// Queues `event` (a JSON text frame) for every live connection of
    /// `user`; returns how many took it.
    pub(crate) fn push(&self, user: &str, event: &Arc<str>) -> usize {
        let users = self.lock();
        let Some(list) = users.get(user) else {
            return 0;
        };
        list.iter()
            .filter(|(_, tx)| tx.try_send(event.clone()).is_ok())
            .count()
    }

    /// Live connections in total.
    pub(crate) fn active(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }
}
