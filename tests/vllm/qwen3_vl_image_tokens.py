"""How many tokens Qwen3-VL makes of an image under vLLM 0.33.0, with the size bounds a deployment sets.

Usage: python qwen3_vl_image_tokens.py REQUEST_JSON   (the vLLM venv's python)
  {"sizes": [[W, H], ...], "mm_kwargs": {"max_pixels": N}, "default_size": {"shortest_edge": .., "longest_edge": ..}}
Prints [{"width", "height", "resized": [w, h], "tokens"}, ...].

The steps are vLLM's own for an image (vllm/model_executor/models/qwen3_vl.py, Qwen3VLProcessingInfo._get_vision_info,
lines 959-1016): the server's mm_processor_kwargs resolved into the processor's size by
Qwen2VLProcessingInfo._get_vision_size (qwen2_vl.py:952-978; max_pixels becomes size["longest_edge"]), then
transformers' smart_resize with factor patch_size x spatial_merge_size (16 x 2 for Qwen3-VL), then
(h / 16) x (w / 16) patches merged 2 x 2 into one token each.
"""
import json
import sys

from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize
from vllm.model_executor.models.qwen2_vl import Qwen2VLProcessingInfo

PATCH_SIZE = 16
MERGE_SIZE = 2

request = json.loads(sys.argv[1])
size = Qwen2VLProcessingInfo._get_vision_size(request["mm_kwargs"], default_size=request["default_size"])
out = []
for width, height in request["sizes"]:
    resized_height, resized_width = smart_resize(
        height=height, width=width, factor=PATCH_SIZE * MERGE_SIZE, min_pixels=size["shortest_edge"], max_pixels=size["longest_edge"]
    )
    tokens = (resized_height // PATCH_SIZE) * (resized_width // PATCH_SIZE) // (MERGE_SIZE**2)
    out.append({"width": width, "height": height, "resized": [resized_width, resized_height], "tokens": tokens})
print(json.dumps(out))
