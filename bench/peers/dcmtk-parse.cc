// DCMTK side of the parse benchmark: the same file list, the same passes, the same output line as PlaoImaging.Bench.
// full:   DcmFileFormat::loadFile + loadAllDataIntoMemory (every value read, as our reader with no lazy values)
// default: DcmFileFormat::loadFile alone (values above 4 KiB stay in the file until accessed)
// header: DcmFileFormat::loadFileUntilTag(PixelData) (stops before the pixel data, as our header-only read)
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>
#include <sys/resource.h>

static bool parseOne(const std::string& path, bool header, bool all) {
    DcmFileFormat ff;
    OFCondition status = header
        ? ff.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData)
        : ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (status.bad()) return false;
    if (all) ff.loadAllDataIntoMemory();
    return true;
}

int main(int argc, char** argv) {
    if (argc != 4) { std::fprintf(stderr, "usage: dcmtk-parse full|default|header ITERATIONS FILELIST\n"); return 2; }
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // the corpus is full of tolerated deviations; keep the timing clean
    bool header = std::string(argv[1]) == "header";
    bool all = std::string(argv[1]) == "full";
    int iterations = std::atoi(argv[2]);
    std::vector<std::string> files;
    std::ifstream list(argv[3]);
    for (std::string line; std::getline(list, line);) if (!line.empty()) files.push_back(line);
    long long bytes = 0;
    for (auto& f : files) { std::ifstream in(f, std::ios::binary | std::ios::ate); bytes += in.tellg(); }
    for (auto& f : files) parseOne(f, header, all);
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpuStart = std::clock();
    int failures = 0;
    for (int i = 0; i < iterations; i++) for (auto& f : files) if (!parseOne(f, header, all)) failures++;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    struct rusage usage; getrusage(RUSAGE_SELF, &usage);
    std::printf("dcmtk %s files=%lld bytes=%lld seconds=%.4f cpu_seconds=%.4f peak_rss_mb=%.1f failures=%d\n", argv[1],
        (long long)files.size() * iterations, bytes * iterations, seconds, cpu, usage.ru_maxrss / 1024.0, failures);
    return 0;
}
