import ArgumentParser

/// `b24lua sandbox serve|dump` (issue 3).
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run or inspect the embedded sandbox portal."
    )
}
