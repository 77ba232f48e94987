//! The hand-over between the year loop and the writer thread: a queue bounded by the bytes
//! it holds, not by a count of items, since a chunk of the snapshot weighs several of the
//! workforce ledger's and a year's small tables next to nothing. A sender waits while the
//! queue holds `budget` bytes or more (one item is always taken, however large, so an item
//! above the budget cannot wait forever). Either side's end closes it for the other: the
//! receiver sees the end once the queue is drained, a sender gets its item back.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

struct State<T> {
    items: VecDeque<(T, u64)>,
    bytes: u64,
    /// The bytes of the item the receiver took last (held until it takes the next).
    taken: u64,
    /// The most bytes queued and taken at once.
    peak: u64,
    senders_gone: bool,
    receiver_gone: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
    budget: u64,
}

impl<T> Shared<T> {
    /// The state, also after a panic of the other side (its flags still say what ended).
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The loop's end of the queue.
pub struct Sender<T>(Arc<Shared<T>>);
/// The writer's end of the queue.
pub struct Receiver<T>(Arc<Shared<T>>);

/// A queue that holds at most about `budget` bytes.
pub fn bounded<T>(budget: u64) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            bytes: 0,
            taken: 0,
            peak: 0,
            senders_gone: false,
            receiver_gone: false,
        }),
        changed: Condvar::new(),
        budget,
    });
    (Sender(shared.clone()), Receiver(shared))
}

impl<T> Sender<T> {
    /// Queues `item` of `bytes`, waiting while the queue is full; `Err(item)` when the
    /// receiver has gone.
    pub fn send(&self, item: T, bytes: u64) -> Result<(), T> {
        let shared = &self.0;
        let mut state = shared.lock();
        while !state.receiver_gone && state.bytes > 0 && state.bytes + bytes > shared.budget {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        if state.receiver_gone {
            return Err(item);
        }
        state.bytes += bytes;
        state.peak = state.peak.max(state.bytes + state.taken);
        state.items.push_back((item, bytes));
        shared.changed.notify_all();
        Ok(())
    }
}

impl<T> Sender<T> {
    /// The most bytes the queue held at once, with the item the receiver was working on.
    pub fn peak_bytes(&self) -> u64 {
        self.0.lock().peak
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.0.lock().senders_gone = true;
        self.0.changed.notify_all();
    }
}

impl<T> Receiver<T> {
    /// The next item, waiting for one; `None` when the sender has gone and nothing is left.
    pub fn recv(&self) -> Option<T> {
        let shared = &self.0;
        let mut state = shared.lock();
        loop {
            if let Some((item, bytes)) = state.items.pop_front() {
                state.bytes -= bytes;
                state.taken = bytes;
                shared.changed.notify_all();
                return Some(item);
            }
            if state.senders_gone {
                return None;
            }
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.receiver_gone = true;
        // What was queued goes with the receiver (a failed writer takes no more).
        state.items.clear();
        state.bytes = 0;
        drop(state);
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_waits_while_the_bytes_are_above_the_budget() {
        let (send, receive) = bounded::<u32>(10);
        let taken = std::thread::scope(|scope| {
            let writer = scope.spawn(move || {
                let mut seen = Vec::new();
                while let Some(x) = receive.recv() {
                    seen.push(x);
                }
                seen
            });
            for k in 0..100 {
                // 4 bytes each: at most 2 queued at once besides the one being taken.
                send.send(k, 4).expect("the receiver is there");
                let held = send.0.lock().bytes;
                assert!(held <= 10, "{held} bytes queued");
            }
            // One item above the budget still goes through.
            send.send(1000, 50).expect("the receiver is there");
            drop(send);
            writer.join().expect("writer")
        });
        let mut want: Vec<u32> = (0..100).collect();
        want.push(1000);
        assert_eq!(taken, want);
    }

    #[test]
    fn a_gone_receiver_gives_the_item_back() {
        let (send, receive) = bounded::<&str>(1);
        send.send("queued", 1).expect("taken");
        drop(receive);
        assert_eq!(send.send("late", 1), Err("late"));
    }
}
