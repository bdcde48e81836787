//! Sorting and paging: [`Sort`], [`Pageable`], [`Page`].

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// One property to sort by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The entity's property (field) name.
    pub property: String,
    /// The direction.
    pub direction: Direction,
}

/// An ordering by entity properties. Properties are checked against the entity before any SQL
/// is written: an unknown one is `DataError::UnknownProperty`.
///
/// ```
/// use framework_data::repository::Sort;
/// let sort = Sort::asc("owner").and_desc("id");
/// assert_eq!(sort.orders().len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sort {
    orders: Vec<Order>,
}

impl Sort {
    /// No ordering.
    pub fn unsorted() -> Self {
        Self::default()
    }

    /// By `property`, ascending.
    pub fn asc(property: impl Into<String>) -> Self {
        Self::unsorted().and_asc(property)
    }

    /// By `property`, descending.
    pub fn desc(property: impl Into<String>) -> Self {
        Self::unsorted().and_desc(property)
    }

    /// Then by `property`, ascending.
    pub fn and_asc(mut self, property: impl Into<String>) -> Self {
        self.orders.push(Order {
            property: property.into(),
            direction: Direction::Asc,
        });
        self
    }

    /// Then by `property`, descending.
    pub fn and_desc(mut self, property: impl Into<String>) -> Self {
        self.orders.push(Order {
            property: property.into(),
            direction: Direction::Desc,
        });
        self
    }

    /// The orders, most significant first.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    /// Whether there is no ordering.
    pub fn is_unsorted(&self) -> bool {
        self.orders.is_empty()
    }
}

/// A page request: 0-based page number, page size and ordering.
///
/// ```
/// use framework_data::repository::{Pageable, Sort};
/// let p = Pageable::of(2, 10).sorted(Sort::asc("id"));
/// assert_eq!(p.offset(), 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pageable {
    page: u64,
    size: u64,
    sort: Sort,
}

impl Pageable {
    /// Page `page` (0-based) of `size` elements.
    pub fn of(page: u64, size: u64) -> Self {
        Self {
            page,
            size,
            sort: Sort::unsorted(),
        }
    }

    /// With this ordering. Without one, pages follow the id.
    pub fn sorted(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    /// The page number.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// The page size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The ordering.
    pub fn sort(&self) -> &Sort {
        &self.sort
    }

    /// Elements before this page.
    pub fn offset(&self) -> u64 {
        self.page.saturating_mul(self.size)
    }

    /// The request for the next page.
    pub fn next(&self) -> Self {
        Self {
            page: self.page + 1,
            ..self.clone()
        }
    }
}

/// One page of results, with the totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<E> {
    /// The elements of this page.
    pub content: Vec<E>,
    /// Elements over all pages.
    pub total_elements: u64,
    /// Number of pages.
    pub total_pages: u64,
    /// This page's number (0-based).
    pub number: u64,
    /// The requested size.
    pub size: u64,
}

impl<E> Page<E> {
    /// Builds a page from its content and the total count.
    pub fn new(content: Vec<E>, pageable: &Pageable, total_elements: u64) -> Self {
        let size = pageable.size();
        Self {
            content,
            total_elements,
            total_pages: if size == 0 {
                0
            } else {
                total_elements.div_ceil(size)
            },
            number: pageable.page(),
            size,
        }
    }

    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        self.number + 1 < self.total_pages
    }
}
