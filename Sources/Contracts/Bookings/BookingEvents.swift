import Fleet
import Foundation
