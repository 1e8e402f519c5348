import Foundation

/// Where MEAD keeps the speech of a video: `ACTOR/video/VIEW/EMOTION/LEVEL/NNN.mp4` (W021 has one more folder,
/// `video/1/VIEW/...`) speaks `ACTOR/audio/EMOTION/LEVEL/NNN.m4a`; the views share one recording.
public enum MEADSpeech {
    public static func audioPath(forClip path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        var parts = url.deletingLastPathComponent().pathComponents
        // The last three folders are VIEW/EMOTION/LEVEL; before them "video", or "video/1".
        guard parts.count >= 5, parts[parts.count - 1].hasPrefix("level_") else { return nil }
        let emotion = parts[parts.count - 2], level = parts[parts.count - 1]
        parts.removeLast(3)
        if parts.last.map({ Int($0) != nil }) == true { parts.removeLast() }
        guard parts.last == "video" else { return nil }
        parts.removeLast()
        let actor = NSString.path(withComponents: parts)
        return URL(fileURLWithPath: actor).appendingPathComponent("audio").appendingPathComponent(emotion)
            .appendingPathComponent(level).appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".m4a").path
    }
}
