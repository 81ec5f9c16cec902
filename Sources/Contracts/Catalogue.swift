import Fleet

/// The public message catalogue: which context owns which commands and answers which queries.
/// `contexts` is generated from Schemas/<context>/.
///
/// The topology binds these from the start, so a command published before its context's
/// processes run waits in that context's queue instead of being lost. Events a context follows
/// are bound by that context's handler registry.
public enum Catalogue {
    public static var contextNames: [String] { contexts.map(\.name) }
}
