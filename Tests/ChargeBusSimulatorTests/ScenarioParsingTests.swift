import Testing
@testable import ChargeBusSimulator
