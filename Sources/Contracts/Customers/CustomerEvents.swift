import Fleet
import Foundation

// The customers context's events. Every type's `data` is described by
// Schemas/customers/<type>.schema.json; CustomersTests proves what these encode validates there.
