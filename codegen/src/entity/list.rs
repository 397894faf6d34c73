//! Pooled variable-length lists of entity references.
//!
//! All lists of one function share one `Vec` ([`ListPool`]); a list is a four-byte handle
//! ([`EntityList`]) to a block in it. A block holds a length word followed by the elements;
//! block capacities are powers of two from 4 (size classes), and freed blocks go to a free
//! list per class for reuse, so editing lists does not allocate per instruction once the
//! pool has grown.
//!
//! Invariant: a handle is used with the pool that made it; an empty list owns no block.

use super::EntityRef;
use std::marker::PhantomData;

/// The backing storage shared by many [`EntityList`]s.
#[derive(Clone, Debug)]
pub struct ListPool<T: EntityRef> {
    data: Vec<T>,
    free: Vec<Vec<usize>>,
}

/// A list of entity references stored in a [`ListPool`]. `Copy`, four bytes, and empty by
/// default. Copying the handle does not copy the list: two copies name the same storage.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntityList<T: EntityRef> {
    index: u32,
    unused: PhantomData<T>,
}

impl<T: EntityRef> Default for EntityList<T> {
    fn default() -> Self {
        Self { index: 0, unused: PhantomData }
    }
}

impl<T: EntityRef> std::fmt::Debug for EntityList<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntityList@{}", self.index)
    }
}

/// Size class of a block able to hold `len` elements plus the length word.
fn class_for(len: usize) -> usize {
    let need = len + 1;
    let mut class = 0;
    while (4usize << class) < need {
        class += 1;
    }
    class
}

fn class_capacity(class: usize) -> usize {
    4usize << class
}

impl<T: EntityRef> ListPool<T> {
    /// An empty pool.
    pub fn new() -> Self {
        Self { data: Vec::new(), free: Vec::new() }
    }

    /// Forgets every list. Handles made before become invalid.
    pub fn clear(&mut self) {
        self.data.clear();
        self.free.clear();
    }

    fn alloc(&mut self, class: usize) -> usize {
        if let Some(base) = self.free.get_mut(class).and_then(|f| f.pop()) {
            return base;
        }
        let base = self.data.len();
        let filler = T::new(0);
        self.data.resize(base + class_capacity(class), filler);
        base
    }

    fn release(&mut self, base: usize, class: usize) {
        if self.free.len() <= class {
            self.free.resize(class + 1, Vec::new());
        }
        self.free[class].push(base);
    }
}

impl<T: EntityRef> Default for ListPool<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: EntityRef> EntityList<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list holding a copy of `elems`.
    pub fn from_slice(elems: &[T], pool: &mut ListPool<T>) -> Self {
        let mut list = Self::new();
        list.extend(elems.iter().copied(), pool);
        list
    }

    fn base(self) -> Option<usize> {
        (self.index != 0).then(|| self.index as usize - 1)
    }

    /// Whether the list is empty.
    pub fn is_empty(self) -> bool {
        self.index == 0
    }

    /// Number of elements.
    pub fn len(self, pool: &ListPool<T>) -> usize {
        match self.base() {
            Some(b) => pool.data[b].index(),
            None => 0,
        }
    }

    /// The elements as a slice.
    pub fn as_slice(self, pool: &ListPool<T>) -> &[T] {
        match self.base() {
            Some(b) => {
                let len = pool.data[b].index();
                &pool.data[b + 1..b + 1 + len]
            }
            None => &[],
        }
    }

    /// The elements as a mutable slice.
    pub fn as_mut_slice(self, pool: &mut ListPool<T>) -> &mut [T] {
        match self.base() {
            Some(b) => {
                let len = pool.data[b].index();
                &mut pool.data[b + 1..b + 1 + len]
            }
            None => &mut [],
        }
    }

    /// Element `i`, if present.
    pub fn get(self, i: usize, pool: &ListPool<T>) -> Option<T> {
        self.as_slice(pool).get(i).copied()
    }

    /// Empties the list and returns its storage to the pool.
    pub fn clear(&mut self, pool: &mut ListPool<T>) {
        if let Some(b) = self.base() {
            let len = pool.data[b].index();
            pool.release(b, class_for(len));
        }
        self.index = 0;
    }

    /// Moves to a block big enough for `new_len` elements, keeping the contents, and sets
    /// the stored length to `new_len` (new slots hold filler until written).
    fn grow_to(&mut self, new_len: usize, pool: &mut ListPool<T>) -> usize {
        let old_len = self.len(pool);
        let new_class = class_for(new_len);
        match self.base() {
            Some(b) if class_for(old_len) == new_class => {
                pool.data[b] = T::new(new_len);
                b
            }
            old => {
                let nb = pool.alloc(new_class);
                if let Some(ob) = old {
                    pool.data.copy_within(ob + 1..ob + 1 + old_len, nb + 1);
                    pool.release(ob, class_for(old_len));
                }
                pool.data[nb] = T::new(new_len);
                self.index = (nb + 1) as u32;
                nb
            }
        }
    }

    /// Appends one element.
    pub fn push(&mut self, elem: T, pool: &mut ListPool<T>) -> usize {
        let len = self.len(pool);
        let b = self.grow_to(len + 1, pool);
        pool.data[b + 1 + len] = elem;
        len
    }

    /// Appends every element of `elems`.
    pub fn extend<I: IntoIterator<Item = T>>(&mut self, elems: I, pool: &mut ListPool<T>) {
        for e in elems {
            self.push(e, pool);
        }
    }

    /// Inserts `elem` at position `i`, shifting later elements up.
    pub fn insert(&mut self, i: usize, elem: T, pool: &mut ListPool<T>) {
        let len = self.len(pool);
        assert!(i <= len, "insert position beyond the end of the list");
        let b = self.grow_to(len + 1, pool);
        pool.data.copy_within(b + 1 + i..b + 1 + len, b + 2 + i);
        pool.data[b + 1 + i] = elem;
    }

    /// Removes the element at `i`, shifting later elements down.
    pub fn remove(&mut self, i: usize, pool: &mut ListPool<T>) {
        let len = self.len(pool);
        assert!(i < len, "remove position beyond the end of the list");
        if len == 1 {
            self.clear(pool);
            return;
        }
        let b = self.base().expect("non-empty list has a block");
        pool.data.copy_within(b + 2 + i..b + 1 + len, b + 1 + i);
        self.truncate(len - 1, pool);
    }

    /// Shortens the list to `new_len` elements.
    pub fn truncate(&mut self, new_len: usize, pool: &mut ListPool<T>) {
        let len = self.len(pool);
        if new_len >= len {
            return;
        }
        if new_len == 0 {
            self.clear(pool);
            return;
        }
        let b = self.base().expect("non-empty list has a block");
        if class_for(new_len) == class_for(len) {
            pool.data[b] = T::new(new_len);
        } else {
            let nb = pool.alloc(class_for(new_len));
            pool.data.copy_within(b + 1..b + 1 + new_len, nb + 1);
            pool.release(b, class_for(len));
            pool.data[nb] = T::new(new_len);
            self.index = (nb + 1) as u32;
        }
    }

    /// A new list with the same elements (the storage is not shared).
    pub fn deep_clone(self, pool: &mut ListPool<T>) -> Self {
        let len = self.len(pool);
        let mut out = Self::new();
        if let Some(b) = self.base() {
            let nb = out.grow_to(len, pool);
            pool.data.copy_within(b + 1..b + 1 + len, nb + 1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Value;

    fn v(n: u32) -> Value {
        Value::from_u32(n)
    }

    #[test]
    fn push_insert_remove_keep_order() {
        let mut pool = ListPool::new();
        let mut l = EntityList::new();
        for i in 0..20 {
            l.push(v(i), &mut pool);
        }
        assert_eq!(l.len(&pool), 20);
        l.insert(0, v(100), &mut pool);
        l.remove(5, &mut pool);
        let got: Vec<u32> = l.as_slice(&pool).iter().map(|x| x.as_u32()).collect();
        let mut want: Vec<u32> = vec![100];
        want.extend((0..20).filter(|&i| i != 4));
        assert_eq!(got, want);
        l.truncate(2, &mut pool);
        assert_eq!(l.as_slice(&pool), &[v(100), v(0)]);
        l.clear(&mut pool);
        assert!(l.is_empty());
    }

    #[test]
    fn freed_blocks_are_reused() {
        let mut pool = ListPool::new();
        let mut a = EntityList::from_slice(&[v(1), v(2)], &mut pool);
        let size = pool.data.len();
        a.clear(&mut pool);
        let b = EntityList::from_slice(&[v(3)], &mut pool);
        assert_eq!(pool.data.len(), size, "the freed block is reused");
        assert_eq!(b.as_slice(&pool), &[v(3)]);
        let c = b.deep_clone(&mut pool);
        assert_eq!(c.as_slice(&pool), &[v(3)]);
        assert_ne!(b, c);
    }
}
