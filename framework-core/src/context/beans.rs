//! The registry of framework beans (DataSources, caches, ...) and its shaku component.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use shaku::{Component, Module, ModuleBuildContext};

type BeanMap = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

/// Beans the framework creates at start-up, by type: the `DataSources`, transaction managers,
/// cache manager and so on. Cloning is cheap and clones share the registry.
///
/// `Beans` is also a shaku component, so the user's components can inject it; list it in the
/// module and the [`ApplicationContext`](crate::ApplicationContext) fills it in:
///
/// ```
/// use std::sync::Arc;
/// use framework_core::Beans;
/// use shaku::{module, Component, Interface};
///
/// trait Greeter: Interface { fn greet(&self) -> String; }
///
/// #[derive(Component)]
/// #[shaku(interface = Greeter)]
/// struct GreeterImpl {
///     #[shaku(inject)]
///     beans: Arc<Beans>,
/// }
/// impl Greeter for GreeterImpl {
///     fn greet(&self) -> String { format!("hello ({} beans)", self.beans.len()) }
/// }
///
/// module! { AppModule { components = [Beans, GreeterImpl], providers = [] } }
/// ```
#[derive(Clone, Default)]
pub struct Beans {
    inner: Arc<RwLock<BeanMap>>,
}

impl Beans {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `bean` as the bean of type `T`, replacing any earlier one.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let beans = framework_core::Beans::new();
    /// beans.insert(Arc::new(42_u32));
    /// assert_eq!(*beans.get::<u32>().unwrap(), 42);
    /// ```
    pub fn insert<T: Any + Send + Sync>(&self, bean: Arc<T>) {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        map.insert(TypeId::of::<T>(), bean);
    }

    /// The bean of type `T`, if one is registered.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let map = self.inner.read().unwrap_or_else(|e| e.into_inner());
        map.get(&TypeId::of::<T>())
            .cloned()
            .and_then(|b| b.downcast::<T>().ok())
    }

    /// The bean of type `T`, registered with its default value first if there is none yet:
    /// for registries that several start-up stages contribute to (health indicators,
    /// metric sources), whichever runs first creates them.
    ///
    /// ```
    /// let beans = framework_core::Beans::new();
    /// beans.get_or_insert_default::<Vec<u8>>();
    /// assert!(beans.get::<Vec<u8>>().is_some());
    /// ```
    pub fn get_or_insert_default<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut map = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()));
        match entry.clone().downcast::<T>() {
            Ok(bean) => bean,
            // The map is keyed by the type's id: the entry always is a `T`.
            Err(_) => {
                let fresh = Arc::new(T::default());
                *entry = fresh.clone();
                fresh
            }
        }
    }

    /// The bean of type `T`, or [`Error::MissingBean`](crate::Error::MissingBean).
    pub fn require<T: Any + Send + Sync>(&self) -> Result<Arc<T>, crate::Error> {
        self.get::<T>()
            .ok_or(crate::Error::MissingBean(type_name::<T>()))
    }

    /// How many beans are registered.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no bean is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for Beans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Beans").field("len", &self.len()).finish()
    }
}

/// The context passes its registry as the component's parameters; a module built outside a
/// context gets an empty registry.
impl<M: Module> Component<M> for Beans {
    type Interface = Beans;
    type Parameters = Beans;

    fn build(_: &mut ModuleBuildContext<M>, params: Beans) -> Box<Beans> {
        Box::new(params)
    }
}
