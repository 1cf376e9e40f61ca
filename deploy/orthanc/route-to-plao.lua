-- Routes the images of every stable study to the PlaoImaging workers: the lateral spine radiographs and spine MR
-- (modalities CR, DX, MR) go to the first worker that takes them; reports and presentation states (SR, PR), the
-- workers' own results among them, are never routed. Each instance is sent once: a sent instance is marked with the
-- user metadata PlaoRouted (declared in orthanc.json), so the study turning stable again when the worker's report
-- arrives sends nothing more, while images added to the study later are sent then.
-- The workers are the DicomModalities of orthanc.json; both run every job, so either one will do.

local WORKERS = { 'plao1', 'plao2' }
local ROUTED = { CR = true, DX = true, MR = true }

local function notYetRouted(seriesList)
  local pending = {}
  for _, series in ipairs(seriesList) do
    if ROUTED[series['MainDicomTags']['Modality']] then
      for _, instance in ipairs(series['Instances']) do
        local metadata = ParseJson(RestApiGet('/instances/' .. instance .. '/metadata?expand'))
        if metadata['PlaoRouted'] == nil then
          table.insert(pending, instance)
        end
      end
    end
  end
  return pending
end

function OnStableStudy(studyId, tags, metadata)
  local pending = notYetRouted(ParseJson(RestApiGet('/studies/' .. studyId .. '/series')))
  if #pending == 0 then
    return
  end

  local request = DumpJson({ Resources = pending, Synchronous = true }, true)
  for _, worker in ipairs(WORKERS) do
    local sent, problem = pcall(RestApiPost, '/modalities/' .. worker .. '/store', request)
    if sent then
      for _, instance in ipairs(pending) do
        RestApiPut('/instances/' .. instance .. '/metadata/PlaoRouted', worker)
      end
      print('PlaoImaging: study ' .. studyId .. ': ' .. #pending .. ' instance(s) sent to ' .. worker)
      return
    end
    print('PlaoImaging: study ' .. studyId .. ': ' .. worker .. ' did not take it: ' .. tostring(problem))
  end
  -- Nothing is marked: the next time the study turns stable (another instance arrives) it is tried again; an operator
  -- can send it at once from Orthanc (Send to DICOM modality, plao1 or plao2).
  print('PlaoImaging: study ' .. studyId .. ' reached no worker')
end
