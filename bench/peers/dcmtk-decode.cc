// DCMTK side of the decode benchmark, in process: the file is read into memory once per iteration (untimed), then
// only DcmDataset::chooseRepresentation(Explicit VR Little Endian) is timed — DCMTK's own decoders (IJG 8/12/16-bit
// JPEG, its RLE decoder, its CharLS fork) without process start-up or file writing. Same output line as
// PlaoImaging.Bench decode.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

static double cpuNow() {
    timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// Loads the file and decodes it; returns the CPU seconds of the decode alone, or -1 on failure.
static double decodeOnce(const char* path, long long& pixels) {
    DcmFileFormat ff;
    if (ff.loadFile(path).bad()) return -1;
    ff.loadAllDataIntoMemory();
    DcmDataset* ds = ff.getDataset();
    double start = cpuNow();
    OFCondition status = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    double cpu = cpuNow() - start;
    if (status.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit)) return -1;
    Uint16 rows = 0, columns = 0; Sint32 frames = 1;
    ds->findAndGetUint16(DCM_Rows, rows);
    ds->findAndGetUint16(DCM_Columns, columns);
    ds->findAndGetSint32(DCM_NumberOfFrames, frames);
    pixels = (long long)rows * columns * (frames > 0 ? frames : 1);
    return cpu;
}

int main(int argc, char** argv) {
    if (argc != 3) { std::fprintf(stderr, "usage: dcmtk-decode FILE ITERATIONS\n"); return 2; }
    DcmRLEDecoderRegistration::registerCodecs();
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    int iterations = std::atoi(argv[2]);
    long long pixels = 0;
    if (decodeOnce(argv[1], pixels) < 0) { std::fprintf(stderr, "DCMTK cannot decode %s\n", argv[1]); return 1; }
    double cpu = 0;
    for (int i = 0; i < iterations; i++) cpu += decodeOnce(argv[1], pixels);
    std::string name = argv[1];
    name = name.substr(name.find_last_of('/') + 1);
    std::printf("dcmtk decode file=%s mpix=%.3f cpu_seconds=%.4f\n", name.c_str(), pixels * (double)iterations / 1e6, cpu);
    return 0;
}
