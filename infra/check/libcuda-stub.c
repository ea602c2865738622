/*
 * A stand-in for the CUDA driver library (libcuda.so.1) on a machine without a GPU, so that vLLM's
 * CUDA extensions load and its parser and engine-config code run (infra/check/vllm_check.py).
 * Built at check time with the system C compiler (infra/check/vllm-check.ts). Every entry point
 * answers CUDA_ERROR_NO_DEVICE (100, cuda.h `CUresult`): nothing can run a kernel.
 *
 * The names are the driver symbols vLLM 0.33.0's extensions import (`nm -D --undefined-only` of
 * vllm/*.abi3.so and vllm/vllm_flash_attn/*.abi3.so: cuCtxGetCurrent ... cuTensorMapEncodeTiled),
 * plus the calls the CUDA runtime makes first (cuInit, cuDriverGetVersion, cuDeviceGetCount,
 * cuGetProcAddress). Python loads extensions with RTLD_NOW, so a missing name fails the import
 * and the check: the list cannot silently fall behind.
 */
typedef int CUresult;
#define CUDA_ERROR_NO_DEVICE 100
#define NO_DEVICE(name) CUresult name(void) { return CUDA_ERROR_NO_DEVICE; }

NO_DEVICE(cuInit)
NO_DEVICE(cuDriverGetVersion)
NO_DEVICE(cuDeviceGetCount)
NO_DEVICE(cuDeviceGet)
NO_DEVICE(cuGetProcAddress)
NO_DEVICE(cuGetProcAddress_v2)
NO_DEVICE(cuGetErrorString)
NO_DEVICE(cuGetErrorName)
NO_DEVICE(cuCtxGetCurrent)
NO_DEVICE(cuCtxSetCurrent)
NO_DEVICE(cuDeviceGetAttribute)
NO_DEVICE(cuDevicePrimaryCtxRetain)
NO_DEVICE(cuMemAddressFree)
NO_DEVICE(cuMemAddressReserve)
NO_DEVICE(cuMemCreate)
NO_DEVICE(cuMemGetAllocationGranularity)
NO_DEVICE(cuMemMap)
NO_DEVICE(cuMemRelease)
NO_DEVICE(cuMemSetAccess)
NO_DEVICE(cuMemUnmap)
NO_DEVICE(cuPointerGetAttribute)
NO_DEVICE(cuTensorMapEncodeTiled)
