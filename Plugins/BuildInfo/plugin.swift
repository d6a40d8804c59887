import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` into the b24lua target at every build: the git commit of the checkout
/// it is built from (with `-dirty` when files differ from it), for `b24lua --version`
/// (docs/command-line.md). The file is rewritten only when its content changes, so a build of an
/// unchanged commit compiles nothing again. Outside a git checkout the commit is nil.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = #"""
            dir=$1 out=$2
            mkdir -p "$out"
            commit=$(git -C "$dir" rev-parse --short=12 HEAD 2>/dev/null) || commit=""
            if [ -n "$commit" ] && ! git -C "$dir" diff --quiet HEAD -- 2>/dev/null; then commit="$commit-dirty"; fi
            if [ -n "$commit" ]; then value="\"$commit\""; else value=nil; fi
            printf '// Generated at build time by Plugins/BuildInfo.\nlet buildCommit: String? = %s\n' "$value" >"$out/BuildInfo.swift.new"
            if cmp -s "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; then rm -f "$out/BuildInfo.swift.new"
            else mv "$out/BuildInfo.swift.new" "$out/BuildInfo.swift"; fi
            """#
        return [
            .prebuildCommand(
                displayName: "b24lua build info (git commit)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output),
        ]
    }
}
