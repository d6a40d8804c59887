import ArgumentParser
import B24Run

/// The subcommands, under the program's name so that usage and help read `b24lua doc …`.
/// `CommandRoute` picks the subcommand (and the lua(1)-style run when there is none).
struct Subcommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "b24lua",
        subcommands: [CheckCommand.self, DocCommand.self, REPLCommand.self, SnippetsCommand.self, SandboxCommand.self,
                      UndoCommand.self, SnapshotCommand.self, DiffCommand.self])
}

/// Parses and runs a subcommand with b24lua's exit statuses (README "Exit statuses"): a bad
/// option, a missing or extra argument is a usage error (2), not ArgumentParser's EX_USAGE (64);
/// `--help` prints and exits 0; a command that ends otherwise throws `ExitCode` with its status.
enum SubcommandRun {
    static let root = Subcommands.self

    static func run(_ name: String, _ arguments: [String]) -> ExitStatus {
        let command: any ParsableCommand
        switch parse(name, arguments) {
        case .success(let c): command = c
        case .failure(let status): return status.value
        }
        do {
            var command = command
            try command.run()
            return .success
        } catch {
            return report(error, name, usage: error is ValidationError)
        }
    }

    /// For subcommands whose work is async (`sandbox serve`).
    static func runAsync(_ name: String, _ arguments: [String]) async -> ExitStatus {
        let command: any ParsableCommand
        switch parse(name, arguments) {
        case .success(let c): command = c
        case .failure(let status): return status.value
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
            return .success
        } catch {
            return report(error, name, usage: error is ValidationError)
        }
    }

    /// A status as an error, so that parsing can fail with it.
    struct Status: Error { let value: ExitStatus }

    private static func parse(_ name: String, _ arguments: [String]) -> Result<any ParsableCommand, Status> {
        do {
            return .success(try root.parseAsRoot([name] + arguments))
        } catch {
            return .failure(Status(value: report(error, name, usage: true)))
        }
    }

    private static func report(_ error: any Error, _ name: String, usage: Bool) -> ExitStatus {
        // The command has already said why: only its status is left to give.
        if let code = error as? ExitCode { return ExitStatus(rawValue: code.rawValue) ?? .scriptError }
        let message = UsageMessage.withoutValues(root.fullMessage(for: error))
        if root.exitCode(for: error) == .success {
            if !message.isEmpty { print(message) }
            return .success
        }
        complain("\(name): \(message)")
        return usage || root.exitCode(for: error) == .validationFailure ? .usage : .scriptError
    }
}

extension ExitStatus {
    /// Ends a subcommand's `run()` with this status (success returns normally).
    func end() throws {
        guard self != .success else { return }
        throw ExitCode(rawValue)
    }
}
